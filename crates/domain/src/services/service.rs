//! A service (Leistung): the regional master text, a municipality's overrides, and the merge.
//!
//! Region editors write a service once ([`ServiceContent`]). A municipality that performs it
//! may override any field ([`ServiceOverrides`]); everything it leaves alone comes from the
//! region, so a change of the master text reaches every municipality that did not override that
//! field. The merge is [`ServiceContent::with_overrides`]; [`ServiceOverrides::is_set`] tells the
//! editor, field by field, "from the region" or "overridden here".

use std::fmt;

use serde::{Deserialize, Serialize};

/// A 14-digit LeiKa/FIM Leistungsschlüssel.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LeikaKey(String);

impl LeikaKey {
    /// Parses a key: exactly 14 digits (spaces are ignored, as keys are often written in groups).
    pub fn parse(s: &str) -> Result<Self, String> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(format!("{s:?} is not a LeiKa key: write the 14 digits of the Leistungsschlüssel, e.g. 99115001001000"))
        }
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LeikaKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<LeikaKey> for String {
    fn from(k: LeikaKey) -> String {
        k.0
    }
}

impl fmt::Display for LeikaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who performs a service: every municipality itself, or the county for its towns (a city
/// outside any county performs both kinds itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceLevel {
    /// Every city and town (Meldewesen, Standesamt, Gewerbe, …).
    Municipality,
    /// The county (Landratsamt) for its towns (Kfz-Zulassung, Führerschein, …).
    County,
}

impl ServiceLevel {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Municipality => "municipality",
            Self::County => "county",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "municipality" => Some(Self::Municipality),
            "county" => Some(Self::County),
            _ => None,
        }
    }
}

/// An amount of a fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeeAmount {
    /// No fee.
    Free,
    /// A fixed amount.
    Fixed {
        /// Euro cents.
        cents: u64,
    },
    /// A range, depending on the case.
    Range {
        /// Euro cents, at least.
        min_cents: u64,
        /// Euro cents, at most.
        max_cents: u64,
    },
}

/// A fee: an amount and a note on when it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// The amount.
    #[serde(flatten)]
    pub amount: FeeAmount,
    /// When it applies ("für Personen unter 24 Jahren"), may be empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// Formats cents as German euros: `3700` → `37,00 €`, `1234567` → `12.345,67 €`.
pub fn format_euro(cents: u64) -> String {
    let euros = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},{:02}\u{a0}€", cents % 100)
}

/// Parses a German or plain amount in euros ("37,00", "37", "37.5", "1.234,50 €") into cents.
fn parse_euro(s: &str) -> Option<u64> {
    let s = s.trim().trim_end_matches('€').trim().replace('\u{a0}', "");
    if s.is_empty() {
        return None;
    }
    // "1.234,50": dots group thousands when a comma is present; otherwise a dot is a decimal point.
    let normal = if s.contains(',') { s.replace('.', "").replace(',', ".") } else { s.clone() };
    let (whole, frac) = normal.split_once('.').unwrap_or((&normal, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac: u64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac)
}

impl Fee {
    /// The amount in German ("gebührenfrei", "37,00 €", "10,00 € bis 50,00 €").
    pub fn amount_de(&self) -> String {
        match self.amount {
            FeeAmount::Free => "gebührenfrei".to_owned(),
            FeeAmount::Fixed { cents } => format_euro(cents),
            FeeAmount::Range { min_cents, max_cents } => {
                format!("{} bis {}", format_euro(min_cents), format_euro(max_cents))
            }
        }
    }

    /// The amount in English.
    pub fn amount_en(&self) -> String {
        match self.amount {
            FeeAmount::Free => "free of charge".to_owned(),
            FeeAmount::Fixed { cents } => format_euro(cents),
            FeeAmount::Range { min_cents, max_cents } => {
                format!("{} to {}", format_euro(min_cents), format_euro(max_cents))
            }
        }
    }

    /// One line for a text field: `frei`, `37,00`, `10,00-50,00`, each optionally followed by
    /// `| note`.
    pub fn to_line(&self) -> String {
        let amount = match self.amount {
            FeeAmount::Free => "frei".to_owned(),
            FeeAmount::Fixed { cents } => format!("{},{:02}", cents / 100, cents % 100),
            FeeAmount::Range { min_cents, max_cents } => {
                format!("{},{:02}-{},{:02}", min_cents / 100, min_cents % 100, max_cents / 100, max_cents % 100)
            }
        };
        if self.note.is_empty() { amount } else { format!("{amount} | {}", self.note) }
    }

    /// Parses what [`Fee::to_line`] writes.
    pub fn parse_line(line: &str) -> Result<Self, String> {
        let (amount, note) = line.split_once('|').unwrap_or((line, ""));
        let amount = amount.trim();
        let note = note.trim().to_owned();
        let lower = amount.to_lowercase();
        let parsed = if ["frei", "kostenlos", "gebührenfrei", "free", "0"].contains(&lower.as_str()) {
            Some(FeeAmount::Free)
        } else if let Some((a, b)) = amount.split_once(['-', '–']) {
            match (parse_euro(a), parse_euro(b)) {
                (Some(min_cents), Some(max_cents)) if min_cents <= max_cents => {
                    Some(FeeAmount::Range { min_cents, max_cents })
                }
                _ => None,
            }
        } else {
            parse_euro(amount).map(|cents| FeeAmount::Fixed { cents })
        };
        parsed.map(|amount| Fee { amount, note }).ok_or_else(|| {
            format!(
                "{:?} is not a fee: write \"frei\", an amount like \"37,00\" or a range like \"10,00-50,00\", optionally followed by \"| note\"",
                line.trim()
            )
        })
    }
}

/// A legal basis: a title and a link to the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalRef {
    /// "§ 17 Bundesmeldegesetz (BMG)".
    pub title: String,
    /// The text of the law, may be empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// The text of a service: what the region writes and a municipality may override.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceContent {
    /// The name ("Wohnsitz anmelden").
    pub name: String,
    /// Other words citizens use for it.
    pub synonyms: Vec<String>,
    /// One sentence.
    pub summary: String,
    /// Markdown.
    pub description: String,
    /// Who may apply (Markdown).
    pub audience: String,
    /// Prerequisites (Markdown).
    pub prerequisites: String,
    /// The procedure (Markdown).
    pub procedure: String,
    /// The documents to bring, one per entry.
    pub documents: Vec<String>,
    /// The fees.
    pub fees: Vec<Fee>,
    /// A note on the fees.
    pub fee_note: String,
    /// Deadlines.
    pub deadlines: String,
    /// The processing time.
    pub processing_time: String,
    /// The legal basis.
    pub legal_basis: Vec<LegalRef>,
    /// A link to the online service.
    pub online_url: String,
}

/// One field of [`ServiceContent`], for the editor and for overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceField {
    /// [`ServiceContent::name`].
    Name,
    /// [`ServiceContent::synonyms`].
    Synonyms,
    /// [`ServiceContent::summary`].
    Summary,
    /// [`ServiceContent::description`].
    Description,
    /// [`ServiceContent::audience`].
    Audience,
    /// [`ServiceContent::prerequisites`].
    Prerequisites,
    /// [`ServiceContent::procedure`].
    Procedure,
    /// [`ServiceContent::documents`].
    Documents,
    /// [`ServiceContent::fees`].
    Fees,
    /// [`ServiceContent::fee_note`].
    FeeNote,
    /// [`ServiceContent::deadlines`].
    Deadlines,
    /// [`ServiceContent::processing_time`].
    ProcessingTime,
    /// [`ServiceContent::legal_basis`].
    LegalBasis,
    /// [`ServiceContent::online_url`].
    OnlineUrl,
}

impl ServiceField {
    /// Every field, in the order of the page and the editor.
    pub const ALL: [Self; 14] = [
        Self::Name,
        Self::Synonyms,
        Self::Summary,
        Self::Description,
        Self::Audience,
        Self::Prerequisites,
        Self::Procedure,
        Self::Documents,
        Self::Fees,
        Self::FeeNote,
        Self::Deadlines,
        Self::ProcessingTime,
        Self::LegalBasis,
        Self::OnlineUrl,
    ];

    /// The field's name in forms, JSON and the catalogue file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Synonyms => "synonyms",
            Self::Summary => "summary",
            Self::Description => "description",
            Self::Audience => "audience",
            Self::Prerequisites => "prerequisites",
            Self::Procedure => "procedure",
            Self::Documents => "documents",
            Self::Fees => "fees",
            Self::FeeNote => "fee_note",
            Self::Deadlines => "deadlines",
            Self::ProcessingTime => "processing_time",
            Self::LegalBasis => "legal_basis",
            Self::OnlineUrl => "online_url",
        }
    }

    /// Parses [`ServiceField::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether the field is long text (a textarea with Markdown).
    pub fn is_markdown(self) -> bool {
        matches!(self, Self::Description | Self::Audience | Self::Prerequisites | Self::Procedure)
    }

    /// Whether the editor shows the field as one entry per line.
    pub fn is_list(self) -> bool {
        matches!(self, Self::Synonyms | Self::Documents | Self::Fees | Self::LegalBasis)
    }
}

/// A problem with a field of a service, as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field name ([`ServiceField::as_str`], or `slug`, `leika_key`, …).
    pub field: String,
    /// A Fluent message id.
    pub code: &'static str,
    /// What is wrong and how to fix it, in English.
    pub detail: String,
}

fn is_http_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

impl ServiceContent {
    /// The field's value as editor text: lists one entry per line (fees as [`Fee::to_line`],
    /// legal references as `title | url`).
    pub fn field_text(&self, field: ServiceField) -> String {
        match field {
            ServiceField::Name => self.name.clone(),
            ServiceField::Synonyms => self.synonyms.join("\n"),
            ServiceField::Summary => self.summary.clone(),
            ServiceField::Description => self.description.clone(),
            ServiceField::Audience => self.audience.clone(),
            ServiceField::Prerequisites => self.prerequisites.clone(),
            ServiceField::Procedure => self.procedure.clone(),
            ServiceField::Documents => self.documents.join("\n"),
            ServiceField::Fees => self.fees.iter().map(Fee::to_line).collect::<Vec<_>>().join("\n"),
            ServiceField::FeeNote => self.fee_note.clone(),
            ServiceField::Deadlines => self.deadlines.clone(),
            ServiceField::ProcessingTime => self.processing_time.clone(),
            ServiceField::LegalBasis => self
                .legal_basis
                .iter()
                .map(|l| if l.url.is_empty() { l.title.clone() } else { format!("{} | {}", l.title, l.url) })
                .collect::<Vec<_>>()
                .join("\n"),
            ServiceField::OnlineUrl => self.online_url.clone(),
        }
    }

    /// Sets a field from editor text (see [`ServiceContent::field_text`]).
    pub fn set_field_text(&mut self, field: ServiceField, text: &str) -> Result<(), FieldProblem> {
        let text = text.replace("\r\n", "\n");
        let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
        let problem =
            |code: &'static str, detail: String| FieldProblem { field: field.as_str().to_owned(), code, detail };
        match field {
            ServiceField::Name => self.name = text.trim().to_owned(),
            ServiceField::Synonyms => {
                self.synonyms = lines()
                    .flat_map(|l| l.split(','))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            ServiceField::Summary => self.summary = text.trim().to_owned(),
            ServiceField::Description => self.description = text.trim().to_owned(),
            ServiceField::Audience => self.audience = text.trim().to_owned(),
            ServiceField::Prerequisites => self.prerequisites = text.trim().to_owned(),
            ServiceField::Procedure => self.procedure = text.trim().to_owned(),
            ServiceField::Documents => self.documents = lines().map(str::to_owned).collect(),
            ServiceField::Fees => {
                self.fees =
                    lines().map(Fee::parse_line).collect::<Result<_, _>>().map_err(|d| problem("service-bad-fee", d))?
            }
            ServiceField::FeeNote => self.fee_note = text.trim().to_owned(),
            ServiceField::Deadlines => self.deadlines = text.trim().to_owned(),
            ServiceField::ProcessingTime => self.processing_time = text.trim().to_owned(),
            ServiceField::LegalBasis => {
                let mut refs = Vec::new();
                for line in lines() {
                    let (title, url) = line.split_once('|').unwrap_or((line, ""));
                    let (title, url) = (title.trim(), url.trim());
                    if !url.is_empty() && !is_http_url(url) {
                        return Err(problem(
                            "service-bad-url",
                            format!(
                                "{url:?} is not a web address: write it with https://, after a '|' behind the title"
                            ),
                        ));
                    }
                    refs.push(LegalRef { title: title.to_owned(), url: url.to_owned() });
                }
                self.legal_basis = refs;
            }
            ServiceField::OnlineUrl => self.online_url = text.trim().to_owned(),
        }
        Ok(())
    }

    /// Checks the content: a name and summary, web addresses that are web addresses, sane sizes.
    /// Returns every problem, in field order.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut push = |field: ServiceField, code: &'static str, detail: String| {
            out.push(FieldProblem { field: field.as_str().to_owned(), code, detail });
        };
        if self.name.trim().is_empty() {
            push(
                ServiceField::Name,
                "service-name-missing",
                "a service needs a name, e.g. \"Wohnsitz anmelden\"".into(),
            );
        } else if self.name.chars().count() > 200 {
            push(ServiceField::Name, "service-too-long", "the name is longer than 200 characters".into());
        }
        if self.synonyms.iter().any(|s| s.chars().count() > 100) {
            push(ServiceField::Synonyms, "service-too-long", "a synonym is longer than 100 characters".into());
        }
        if self.summary.trim().is_empty() {
            push(
                ServiceField::Summary,
                "service-summary-missing",
                "a service needs a summary: one sentence on what it is for".into(),
            );
        } else if self.summary.chars().count() > 600 {
            push(ServiceField::Summary, "service-too-long", "the summary is longer than 600 characters".into());
        }
        for (field, text) in [
            (ServiceField::Description, &self.description),
            (ServiceField::Audience, &self.audience),
            (ServiceField::Prerequisites, &self.prerequisites),
            (ServiceField::Procedure, &self.procedure),
        ] {
            if text.len() > 50_000 {
                push(field, "service-too-long", "the text is longer than 50,000 bytes".into());
            }
        }
        if let Some(bad) = self.legal_basis.iter().find(|l| !l.url.is_empty() && !is_http_url(&l.url)) {
            push(
                ServiceField::LegalBasis,
                "service-bad-url",
                format!("{:?} is not a web address: write it with https://", bad.url),
            );
        }
        if !self.online_url.is_empty() && !is_http_url(&self.online_url) {
            push(
                ServiceField::OnlineUrl,
                "service-bad-url",
                format!("{:?} is not a web address: write it with https://", self.online_url),
            );
        }
        out
    }

    /// The content a municipality shows: its overrides over this master text.
    pub fn with_overrides(&self, o: &ServiceOverrides) -> ServiceContent {
        let mut out = self.clone();
        for field in ServiceField::ALL {
            if let Some(text) = o.get(field) {
                // Overrides were validated when stored; a field that no longer parses (a format
                // change) falls back to the region's text instead of failing the page.
                let mut candidate = out.clone();
                if candidate.set_field_text(field, text).is_ok() {
                    out = candidate;
                }
            }
        }
        out
    }
}

/// A municipality's overrides of a service's master text, field by field. Stored as the
/// editor text of each overridden field, so the master and the override use one format.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServiceOverrides(std::collections::BTreeMap<String, String>);

impl ServiceOverrides {
    /// The overridden text of a field.
    pub fn get(&self, field: ServiceField) -> Option<&str> {
        self.0.get(field.as_str()).map(String::as_str)
    }

    /// Whether the municipality overrides the field ("overridden here").
    pub fn is_set(&self, field: ServiceField) -> bool {
        self.0.contains_key(field.as_str())
    }

    /// Overrides a field with editor text, checked like the master text.
    pub fn set(&mut self, field: ServiceField, text: &str) -> Result<(), FieldProblem> {
        let mut probe = ServiceContent { name: "x".into(), summary: "x".into(), ..Default::default() };
        probe.set_field_text(field, text)?;
        if let Some(p) = probe.problems().into_iter().find(|p| p.field == field.as_str()) {
            return Err(p);
        }
        self.0.insert(field.as_str().to_owned(), probe.field_text(field));
        Ok(())
    }

    /// Takes the region's text again for a field.
    pub fn clear(&mut self, field: ServiceField) {
        self.0.remove(field.as_str());
    }

    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The overridden fields.
    pub fn fields(&self) -> Vec<ServiceField> {
        self.0.keys().filter_map(|k| ServiceField::parse(k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> ServiceContent {
        ServiceContent {
            name: "Hundesteuer".into(),
            summary: "Wer einen Hund hält, meldet ihn an.".into(),
            fees: vec![Fee { amount: FeeAmount::Range { min_cents: 6000, max_cents: 15000 }, note: String::new() }],
            processing_time: "2 Wochen".into(),
            ..Default::default()
        }
    }

    #[test]
    fn leika_keys_are_fourteen_digits() {
        assert_eq!(LeikaKey::parse("99115 001 001 000").unwrap().as_str(), "99115001001000");
        assert!(LeikaKey::parse("9911500100100").is_err());
        assert!(LeikaKey::parse("9911500100100x").is_err());
    }

    #[test]
    fn euros_are_formatted_the_german_way() {
        assert_eq!(format_euro(3700), "37,00\u{a0}€");
        assert_eq!(format_euro(5), "0,05\u{a0}€");
        assert_eq!(format_euro(123_456_789), "1.234.567,89\u{a0}€");
    }

    #[test]
    fn fee_lines_round_trip_and_bad_ones_say_how() {
        for line in ["frei", "37,00", "10,00-50,00 | je nach Aufwand", "22,80 | unter 24 Jahren"] {
            assert_eq!(Fee::parse_line(line).unwrap().to_line(), line);
        }
        assert_eq!(Fee::parse_line("1.234,5 €").unwrap().amount, FeeAmount::Fixed { cents: 123_450 });
        assert_eq!(Fee::parse_line("12.5").unwrap().amount, FeeAmount::Fixed { cents: 1250 });
        let err = Fee::parse_line("zwölf Euro").unwrap_err();
        assert!(err.contains("\"37,00\""), "{err}");
        assert!(Fee::parse_line("50-10").is_err(), "a range upside down");
    }

    #[test]
    fn overrides_replace_only_their_fields_and_master_changes_reach_the_rest() {
        let mut region = master();
        let mut gera = ServiceOverrides::default();
        gera.set(ServiceField::Fees, "120,00 | erster Hund, je Jahr").unwrap();
        let shown = region.with_overrides(&gera);
        assert_eq!(shown.fees[0].amount, FeeAmount::Fixed { cents: 12000 });
        assert_eq!(shown.processing_time, "2 Wochen");
        assert!(gera.is_set(ServiceField::Fees) && !gera.is_set(ServiceField::ProcessingTime));

        region.processing_time = "1 Woche".into();
        region.fees.clear();
        let shown = region.with_overrides(&gera);
        assert_eq!(shown.processing_time, "1 Woche", "the master change reaches Gera");
        assert_eq!(shown.fees[0].amount, FeeAmount::Fixed { cents: 12000 }, "Gera's own fee stays");

        gera.clear(ServiceField::Fees);
        assert!(region.with_overrides(&gera).fees.is_empty());
    }

    #[test]
    fn bad_overrides_are_refused_with_the_field() {
        let mut o = ServiceOverrides::default();
        let p = o.set(ServiceField::OnlineUrl, "www.gera.de").unwrap_err();
        assert_eq!((p.field.as_str(), p.code), ("online_url", "service-bad-url"));
        let p = o.set(ServiceField::Fees, "viel").unwrap_err();
        assert_eq!(p.code, "service-bad-fee");
        assert!(o.is_empty());
    }

    #[test]
    fn field_text_round_trips_for_every_field() {
        let mut c = master();
        c.synonyms = vec!["Hund anmelden".into(), "Hundemarke".into()];
        c.documents = vec!["Personalausweis".into()];
        c.legal_basis = vec![LegalRef { title: "Satzung".into(), url: "https://example.org/s".into() }];
        for field in ServiceField::ALL {
            let mut copy = ServiceContent::default();
            copy.set_field_text(field, &c.field_text(field)).unwrap();
            assert_eq!(copy.field_text(field), c.field_text(field), "{field:?}");
        }
    }

    #[test]
    fn problems_name_their_fields() {
        let c = ServiceContent { online_url: "ftp://x".into(), ..Default::default() };
        let fields: Vec<String> = c.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["name", "summary", "online_url"]);
    }
}
