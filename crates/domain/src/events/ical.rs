//! Events to and from iCalendar VEVENTs: a master event with its rule, EXDATEs and RDATEs
//! (never expanded), plus one VEVENT with RECURRENCE-ID per changed or cancelled occurrence.

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::Tz;

use super::{Category, DraftInput, EventDraft, EventStatus, LinkInput, Organizer, OverrideInput, Venue};
use crate::Locale;
use crate::ical::{IcalEnd, IcalStatus, IcalTime, Organizer as IcalOrganizer, VEvent};
use crate::recurrence::DateOrTime;

/// What a feed says about one stored event besides its content.
#[derive(Debug, Clone)]
pub struct FeedMeta<'a> {
    /// The UID.
    pub uid: &'a str,
    /// Its status.
    pub status: EventStatus,
    /// SEQUENCE.
    pub sequence: u32,
    /// LAST-MODIFIED.
    pub updated_at: DateTime<Utc>,
    /// The event page.
    pub url: &'a str,
    /// Whether the organiser's e-mail may be published.
    pub show_email: bool,
}

fn value(all_day: bool, zone: Tz, local: NaiveDateTime) -> IcalTime {
    if all_day { IcalTime::Date(local.date()) } else { IcalTime::Zoned { local, zone } }
}

/// EXDATE/RDATE values in the form of DTSTART: a timed event gets zoned wall times (a date
/// means that day at the start's time, as our engine reads it), an all-day event dates.
fn dates(d: &[DateOrTime], all_day: bool, zone: Tz, start: NaiveDateTime) -> Vec<IcalTime> {
    d.iter()
        .map(|v| match (*v, all_day) {
            (DateOrTime::Date(d), true) => IcalTime::Date(d),
            (DateOrTime::Date(d), false) => IcalTime::Zoned { local: d.and_time(start.time()), zone },
            (DateOrTime::Instant(t), true) => IcalTime::Date(t.with_timezone(&zone).date_naive()),
            (DateOrTime::Instant(t), false) => IcalTime::Zoned { local: t.with_timezone(&zone).naive_local(), zone },
        })
        .collect()
}

/// The VEVENTs of an event: the master first, then its overrides.
pub fn to_vevents(d: &EventDraft, meta: &FeedMeta<'_>) -> Vec<VEvent> {
    let t = &d.timing;
    let (zone, all_day) = (t.zone(), t.all_day());
    let mut description = d.description.clone();
    if !meta.url.is_empty() {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(meta.url);
    }
    let mut master = VEvent::new(meta.uid, d.title.clone(), value(all_day, zone, t.start()));
    master.description = Some(description).filter(|s| !s.is_empty());
    master.end = Some(IcalEnd::At(value(all_day, zone, t.end())));
    master.rrule = t.rule().cloned();
    master.exdates = dates(t.exdates(), all_day, zone, t.start());
    master.rdates = dates(t.rdates(), all_day, zone, t.start());
    master.status =
        Some(if meta.status == EventStatus::Cancelled { IcalStatus::Cancelled } else { IcalStatus::Confirmed });
    master.location = Some(d.venue.one_line());
    master.geo = d.venue.lat.zip(d.venue.lon);
    master.categories = d.categories.iter().map(|c| c.name(Locale::De).to_owned()).collect();
    master.url = Some(meta.url.to_owned()).filter(|u| !u.is_empty());
    master.organizer = (d.organizer.name.is_some() || d.organizer.email.is_some()).then(|| IcalOrganizer {
        name: d.organizer.name.clone(),
        email: if meta.show_email { d.organizer.email.clone() } else { None },
    });
    master.sequence = meta.sequence;
    master.last_modified = Some(meta.updated_at);
    let length = t.end() - t.start();
    let mut out = vec![master.clone()];
    for o in &d.overrides {
        let mut v = master.clone();
        v.rrule = None;
        v.exdates.clear();
        v.rdates.clear();
        v.recurrence_id = Some(value(all_day, zone, o.recurrence_id));
        let start = o.start.unwrap_or(o.recurrence_id);
        let end = o.end.unwrap_or(start + length);
        v.start = value(all_day, zone, start);
        v.end = Some(IcalEnd::At(value(all_day, zone, end)));
        if let Some(title) = &o.title {
            v.summary = title.clone();
        }
        if o.cancelled {
            v.status = Some(IcalStatus::Cancelled);
        }
        out.push(v);
    }
    out
}

/// An event read from iCalendar, ready for [`EventDraft::parse`].
#[derive(Debug, Clone)]
pub struct Imported {
    /// The source UID.
    pub uid: String,
    /// The event as input.
    pub input: DraftInput,
    /// Whether the source marks it cancelled.
    pub cancelled: bool,
    /// The occurrences (local starts as generated) the source marks private: they are left
    /// out of the public calendar (as EXDATEs), never shown with the private instance's details.
    pub private_occurrences: Vec<String>,
}

fn local_string(v: &IcalTime, zone: Tz) -> String {
    match *v {
        IcalTime::Date(d) => d.format("%Y-%m-%d").to_string(),
        IcalTime::Zoned { local, .. } | IcalTime::Floating(local) => local.format("%Y-%m-%dT%H:%M:%S").to_string(),
        IcalTime::Utc(t) => t.with_timezone(&zone).naive_local().format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

fn date_or_time_string(v: &IcalTime, zone: Tz) -> Option<String> {
    v.to_date_or_time(zone).map(|d| super::format_date_or_time(&d))
}

/// Turns a master VEVENT and its overrides into the input of one event. The zone is the
/// start's TZID, or `default_zone` for UTC and floating times.
pub fn from_vevents(master: &VEvent, overrides: &[&VEvent], default_zone: Tz) -> Imported {
    let zone = match master.start {
        IcalTime::Zoned { zone, .. } => zone,
        _ => default_zone,
    };
    let all_day = master.start.is_date();
    let start = local_string(&master.start, zone);
    let end = match master.end {
        Some(IcalEnd::At(e)) => Some(local_string(&e, zone)),
        Some(IcalEnd::Duration(len)) => master.start.instant(zone).map(|s| s + len).map(|e| {
            if all_day {
                e.with_timezone(&zone).date_naive().to_string()
            } else {
                local_string(&IcalTime::Utc(e), zone)
            }
        }),
        None => None,
    };
    let mut categories: Vec<String> =
        master.categories.iter().filter_map(|c| Category::parse(c)).map(|c| c.slug().to_owned()).collect();
    categories.dedup();
    categories.truncate(super::MAX_CATEGORIES);
    if categories.is_empty() {
        categories.push(Category::Other.slug().to_owned());
    }
    let url = master.url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let mut private_occurrences = Vec::new();
    let overrides = overrides
        .iter()
        .filter_map(|o| {
            let rid = o.recurrence_id?;
            let rid_local = match rid {
                IcalTime::Utc(t) => t.with_timezone(&zone).naive_local(),
                IcalTime::Date(d) => d.and_time(chrono::NaiveTime::MIN),
                IcalTime::Zoned { local, zone: z } => {
                    z.from_local_datetime(&local).earliest().map_or(local, |t| t.with_timezone(&zone).naive_local())
                }
                IcalTime::Floating(l) => l,
            };
            if o.private {
                private_occurrences.push(if all_day {
                    rid_local.date().to_string()
                } else {
                    local_string(&IcalTime::Floating(rid_local), zone)
                });
                return None;
            }
            let moved = o.start.instant(zone) != rid.instant(zone);
            Some(OverrideInput {
                recurrence_id: local_string(&IcalTime::Floating(rid_local), zone),
                cancelled: o.status == Some(IcalStatus::Cancelled),
                start: moved.then(|| local_string(&o.start, zone)),
                end: if moved {
                    match o.end {
                        Some(IcalEnd::At(e)) => Some(local_string(&e, zone)),
                        _ => None,
                    }
                } else {
                    None
                },
                title: Some(o.summary.clone()).filter(|s| *s != master.summary && !s.is_empty()),
            })
        })
        .collect();
    Imported {
        uid: master.uid.clone(),
        cancelled: master.status == Some(IcalStatus::Cancelled),
        input: DraftInput {
            title: master.summary.clone(),
            description: strip_url(master.description.as_deref().unwrap_or(""), url.as_deref()),
            start,
            end,
            timezone: Some(zone.name().to_owned()),
            all_day,
            rrule: master.rrule.as_ref().map(ToString::to_string),
            exdates: master
                .exdates
                .iter()
                .filter_map(|v| date_or_time_string(v, zone))
                .chain(private_occurrences.iter().cloned())
                .collect(),
            rdates: master.rdates.iter().filter_map(|v| date_or_time_string(v, zone)).collect(),
            overrides,
            venue: Venue {
                name: master.location.clone().unwrap_or_default(),
                lat: master.geo.map(|g| g.0),
                lon: master.geo.map(|g| g.1),
                ..Venue::default()
            },
            organizer: Organizer {
                name: master.organizer.as_ref().and_then(|o| o.name.clone()),
                email: master.organizer.as_ref().and_then(|o| o.email.clone()),
                ..Organizer::default()
            },
            categories,
            free: false,
            price: None,
            links: url.map(|u| vec![LinkInput { label: u.clone(), url: u }]).unwrap_or_default(),
        },
        private_occurrences,
    }
}

/// Our own feeds append the event page's URL to the description; a re-import drops it again so
/// that a round trip is stable.
fn strip_url(description: &str, url: Option<&str>) -> String {
    match url {
        Some(u) => description.strip_suffix(u).map_or(description, |d| d.trim_end()).to_owned(),
        None => description.to_owned(),
    }
}

/// The UTC "now" a feed is stamped with, rounded to seconds (stable output within a second).
pub fn stamp(now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_opt(now.timestamp(), 0).single().unwrap_or(now)
}
