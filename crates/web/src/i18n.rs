//! Translations with Fluent. The message files live in `locales/{de,en}/main.ftl` and are
//! compiled into the binary, so a deployment cannot lose them.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use regioportal_domain::Locale;

const DE: &str = include_str!("../../../locales/de/main.ftl");
const EN: &str = include_str!("../../../locales/en/main.ftl");

/// The message catalogues of every locale.
pub struct I18n {
    catalogues: Vec<(Locale, Catalogue)>,
}

/// One locale's messages.
struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    /// The messages without arguments, formatted once: a page asks for dozens of them, and
    /// Fluent's lookup and resolver per message cost a few per cent of a staff page's CPU
    /// (`perf record` on bench/routes' `staff`: 6.7 % in formatting before, 4.2 % after).
    plain: HashMap<String, String>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n").field("locales", &self.catalogues.iter().map(|(l, _)| l).collect::<Vec<_>>()).finish()
    }
}

impl I18n {
    /// Loads the compiled-in catalogues. Fails only if a catalogue does not parse, which the
    /// test suite catches before a release.
    pub fn load() -> Result<Self, String> {
        let mut catalogues = Vec::new();
        for (locale, src) in [(Locale::De, DE), (Locale::En, EN)] {
            let res = FluentResource::try_new(src.to_owned())
                .map_err(|(_, errs)| format!("locales/{}/main.ftl does not parse: {errs:?}", locale.tag()))?;
            let lang = locale.tag().parse().map_err(|e| format!("{e:?}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // No Unicode isolation marks: our values are plain names, and the marks confuse
            // copy and paste.
            bundle.set_use_isolating(false);
            let ids = ids_of(&res);
            bundle.add_resource(res).map_err(|errs| format!("locales/{}/main.ftl: {errs:?}", locale.tag()))?;
            let plain = plain_messages(&bundle, ids);
            catalogues.push((locale, Catalogue { bundle, plain }));
        }
        Ok(Self { catalogues })
    }

    fn catalogue(&self, locale: Locale) -> Option<&Catalogue> {
        self.catalogues.iter().find(|(l, _)| *l == locale).map(|(_, c)| c)
    }

    /// All message ids of a locale (for the completeness test).
    pub fn message_ids(&self, locale: Locale) -> Vec<String> {
        let src = match locale {
            Locale::De => DE,
            Locale::En => EN,
        };
        let res = FluentResource::try_new(src.to_owned()).unwrap_or_else(|(r, _)| r);
        let mut ids = ids_of(&res);
        ids.sort();
        ids
    }

    /// A translator for one locale.
    pub fn tr(&self, locale: Locale) -> Tr<'_> {
        Tr { i18n: self, locale }
    }

    fn format(&self, locale: Locale, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let lookup = |l: Locale| {
            let catalogue = self.catalogue(l)?;
            if args.is_none()
                && let Some(text) = catalogue.plain.get(key)
            {
                return Some(text.clone());
            }
            let msg = catalogue.bundle.get_message(key)?;
            let pattern = msg.value()?;
            let mut errors = vec![];
            Some(catalogue.bundle.format_pattern(pattern, args, &mut errors).into_owned())
        };
        // A missing English message falls back to German; a missing key shows itself, so it is
        // noticed in review instead of rendering as nothing.
        lookup(locale).or_else(|| lookup(Locale::De)).unwrap_or_else(|| {
            tracing::warn!(key, "missing translation");
            key.to_owned()
        })
    }
}

/// The ids of the messages in a resource, in file order.
fn ids_of(res: &FluentResource) -> Vec<String> {
    res.entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

/// The messages among `ids` that format without arguments and without errors (a message with
/// a variable reports the missing argument as an error, and stays formatted per call).
fn plain_messages(bundle: &FluentBundle<FluentResource>, ids: Vec<String>) -> HashMap<String, String> {
    let mut plain = HashMap::new();
    for id in ids {
        let Some(pattern) = bundle.get_message(&id).and_then(|msg| msg.value()) else { continue };
        let mut errors = vec![];
        let text = bundle.format_pattern(pattern, None, &mut errors).into_owned();
        if errors.is_empty() {
            plain.insert(id, text);
        }
    }
    plain
}

/// Translates messages into one locale; handed to every template.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    i18n: &'a I18n,
    /// The locale.
    pub locale: Locale,
}

impl Tr<'_> {
    /// The message `key`.
    pub fn get(&self, key: &str) -> String {
        self.i18n.format(self.locale, key, None)
    }

    /// The message `key` with one argument.
    pub fn get1(&self, key: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_owned()));
        self.i18n.format(self.locale, key, Some(&args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_every_language() {
        let i18n = I18n::load().expect("the catalogues parse");
        let de = i18n.message_ids(Locale::De);
        let en = i18n.message_ids(Locale::En);
        let only_de: Vec<_> = de.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !de.contains(k)).collect();
        assert!(only_de.is_empty() && only_en.is_empty(), "only in de: {only_de:?}; only in en: {only_en:?}");
        assert!(de.len() > 40);
    }

    #[test]
    fn the_formatted_messages_are_those_fluent_formats() {
        let i18n = I18n::load().unwrap();
        for locale in [Locale::De, Locale::En] {
            let catalogue = i18n.catalogue(locale).unwrap();
            assert!(catalogue.plain.len() > 400, "{locale:?}: {} plain messages", catalogue.plain.len());
            for id in i18n.message_ids(locale) {
                let Some(pattern) = catalogue.bundle.get_message(&id).and_then(|m| m.value()) else { continue };
                let mut errors = vec![];
                let direct = catalogue.bundle.format_pattern(pattern, None, &mut errors).into_owned();
                assert_eq!(i18n.tr(locale).get(&id), direct, "{locale:?} {id}");
                assert_eq!(catalogue.plain.contains_key(id.as_str()), errors.is_empty(), "{locale:?} {id}");
            }
        }
        // A message with a variable is formatted per call, with its argument.
        assert!(!i18n.catalogue(Locale::De).unwrap().plain.contains_key("region-home-title"));
    }

    #[test]
    fn arguments_and_plurals() {
        let i18n = I18n::load().unwrap();
        assert_eq!(
            i18n.tr(Locale::De).get1("region-home-title", "region", "Ostthüringen"),
            "Willkommen im Regioportal Ostthüringen"
        );
        assert_eq!(i18n.tr(Locale::En).get("error-title-404"), "Page not found");
        // A missing key shows itself instead of vanishing.
        assert_eq!(i18n.tr(Locale::En).get("no-such-key"), "no-such-key");
    }
}
