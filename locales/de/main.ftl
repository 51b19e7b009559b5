# Regioportal – deutsche Texte (Standardsprache). Jeder Schlüssel muss auch in en/main.ftl stehen.

site-name = Regioportal
skip-link = Zum Inhalt springen
phase-banner-tag = Demo
phase-banner-text = Dies ist eine Demo-Installation. Adressen und amtliche Schlüssel stammen aus öffentlichen Quellen, alle anderen Inhalte sind erfunden.
lang-switch-label = Sprache wählen
nav-label = Hauptnavigation
nav-region = Region
nav-home = Startseite
breadcrumbs-label = Sie sind hier
footer-label = Rechtliche Hinweise
footer-operator = Ein gemeinsames Angebot: { $operator }
footer-software = Betrieben mit Regioportal, freier Software für kommunale Zusammenarbeit.

legal-impressum = Impressum
legal-datenschutz = Datenschutzerklärung
legal-barrierefreiheit = Erklärung zur Barrierefreiheit
legal-only-german = Diese Seite liegt nur auf Deutsch vor.
legal-missing-title = Noch nicht veröffentlicht
legal-missing-body = Diese Kommune hat diese Seite noch nicht veröffentlicht. Es gilt die Seite der Region:
legal-updated = Stand: { $date }

kind-city = Kreisfreie Stadt
kind-county = Landkreis
kind-town = Kreisangehörige Gemeinde

region-home-caption = Das gemeinsame Portal der Region
region-home-title = Willkommen im Regioportal { $region }
region-home-lead = Die Städte, Gemeinden und Landkreise der Region betreiben ein gemeinsames Portal. Wählen Sie Ihre Kommune, um zu Ihren Ansprechpartnern zu gelangen.
region-home-municipalities = Kommunen der Region
region-home-towns-of = Städte und Gemeinden im { $county }
region-home-count = { $count ->
    [one] Eine Kommune
   *[other] { $count } Kommunen
}

municipality-member-of = Gemeinde im
municipality-towns = Städte und Gemeinden im Landkreis
municipality-contact = Kontakt
municipality-address = Anschrift
municipality-phone = Telefon
municipality-email = E-Mail
municipality-website = Website
municipality-places = Orte und Postleitzahlen
municipality-places-summary = Welche Orte gehören dazu?
municipality-place = Ort
municipality-postcode = Postleitzahl
municipality-keys = Amtliche Schlüssel
municipality-ags = Amtlicher Gemeindeschlüssel (AGS)
municipality-ars = Amtlicher Regionalschlüssel (ARS)
municipality-no-places = Für diese Kommune sind keine Orte hinterlegt.
municipality-responsible-county = Für Aufgaben des Landkreises (zum Beispiel Kfz-Zulassung) ist zuständig:

error-title-400 = Die Anfrage ist ungültig
error-title-404 = Seite nicht gefunden
error-title-405 = Diese Aktion ist hier nicht möglich
error-title-408 = Die Anfrage hat zu lange gedauert
error-title-413 = Die Daten sind zu groß
error-title-422 = Die Angaben sind nicht vollständig oder fehlerhaft
error-title-500 = Es ist ein Fehler aufgetreten
error-title-503 = Der Dienst ist vorübergehend nicht verfügbar
error-body-404 = Wenn Sie die Adresse selbst eingegeben haben, prüfen Sie bitte die Schreibweise. Wenn Sie einem Link gefolgt sind, ist die Seite vielleicht verschoben worden.
error-body-generic = Bitte versuchen Sie es später noch einmal.
error-body-500 = Wir wurden benachrichtigt. Bitte versuchen Sie es später noch einmal.
error-request-id = Wenn Sie uns kontaktieren, nennen Sie bitte diese Fehlernummer: { $id }
error-summary-title = Es gibt ein Problem
error-home-link = Zur Startseite des Portals
