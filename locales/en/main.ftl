# Regioportal – English texts. Every key of de/main.ftl must be here too.

site-name = Regioportal
skip-link = Skip to main content
phase-banner-tag = Demo
phase-banner-text = This is a demo installation. Addresses and official keys come from public sources, all other content is invented.
lang-switch-label = Choose language
nav-label = Main navigation
nav-region = Region
nav-home = Home
breadcrumbs-label = You are here
footer-label = Legal information
footer-operator = A joint service of { $operator }
footer-software = Powered by Regioportal, free software for municipalities working together.

legal-impressum = Legal notice (Impressum)
legal-datenschutz = Privacy notice
legal-barrierefreiheit = Accessibility statement
legal-only-german = This page is only available in German.
legal-missing-title = Not published yet
legal-missing-body = This municipality has not published this page yet. The region's page applies:
legal-updated = Last updated: { $date }

kind-city = Independent city
kind-county = County (Landkreis)
kind-town = Town in a county

region-home-caption = The joint portal of the region
region-home-title = Welcome to the Regioportal { $region }
region-home-lead = The cities, towns and counties of the region run one shared portal. Choose your municipality to reach the people responsible for you.
region-home-municipalities = Municipalities of the region
region-home-towns-of = Towns in { $county }
region-home-count = { $count ->
    [one] One municipality
   *[other] { $count } municipalities
}

municipality-member-of = Town in
municipality-towns = Towns in the county
municipality-contact = Contact
municipality-address = Address
municipality-phone = Phone
municipality-email = Email
municipality-website = Website
municipality-places = Places and postcodes
municipality-places-summary = Which places belong to it?
municipality-place = Place
municipality-postcode = Postcode
municipality-keys = Official keys
municipality-ags = Official municipality key (AGS)
municipality-ars = Official regional key (ARS)
municipality-no-places = No places are recorded for this municipality.
municipality-responsible-county = For county tasks (such as vehicle registration) the responsible authority is:

error-title-400 = The request is not valid
error-title-404 = Page not found
error-title-405 = This action is not possible here
error-title-408 = The request took too long
error-title-413 = The data is too large
error-title-422 = Some details are missing or wrong
error-title-500 = Sorry, something went wrong
error-title-503 = The service is temporarily unavailable
error-body-404 = If you typed the address, please check it is correct. If you followed a link, the page may have moved.
error-body-generic = Please try again later.
error-body-500 = We have been notified. Please try again later.
error-request-id = If you contact us, please quote this error number: { $id }
error-summary-title = There is a problem
error-home-link = Go to the portal's home page
