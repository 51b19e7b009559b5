//! Importing a region file: the same code path for the demo region and a real deployment.
//!
//! Everything is validated first (the file by the domain, each logo by its bytes); then all
//! changes are written in one transaction, so an import either applies completely or not at all.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use chrono::Utc;
use regioportal_domain::logo::check_logo;
use regioportal_domain::region::{Contact, LocalisedText, Region};
use regioportal_domain::{LegalPageKind, Locale};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entity::{legal_page, municipality, municipality_neighbour, place, region};
use crate::{StorageError, Store};

/// Where the files a region file names (logos) come from.
pub trait AssetSource {
    /// The bytes of the file at `path`, relative to the region file.
    fn load(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// Files in the folder of a region file on disk.
#[derive(Debug, Clone)]
pub struct DirAssets(pub PathBuf);

impl AssetSource for DirAssets {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        let rel = Path::new(path);
        // A region file may only name files beside or below itself.
        if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(format!("{path:?} must be a relative path inside the region file's folder"));
        }
        let full = self.0.join(rel);
        std::fs::read(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))
    }
}

/// Files compiled into the binary (the demo region).
#[derive(Debug, Clone, Copy)]
pub struct StaticAssets(pub &'static [(&'static str, &'static [u8])]);

impl AssetSource for StaticAssets {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, b)| b.to_vec())
            .ok_or_else(|| format!("{path:?} is not part of the demo files"))
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Slugs of municipalities created.
    pub created: Vec<String>,
    /// Slugs of municipalities updated.
    pub updated: Vec<String>,
    /// Slugs in the database that the file does not mention; they are kept, never deleted by an
    /// import, because other data (events, services) hangs on them.
    pub kept: Vec<String>,
    /// Number of places stored.
    pub places: usize,
    /// Number of legal pages stored (per language).
    pub legal_pages: usize,
    /// Number of neighbouring pairs stored.
    pub neighbours: usize,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} municipalities created, {} updated, {} kept unchanged (not in the file); {} places, {} legal pages, \
             {} pairs of neighbours",
            self.created.len(),
            self.updated.len(),
            self.kept.len(),
            self.places,
            self.legal_pages,
            self.neighbours
        )?;
        if !self.kept.is_empty() {
            write!(f, "; kept: {}", self.kept.join(", "))?;
        }
        Ok(())
    }
}

fn legal_rows(owner: Option<i64>, pages: &[(LegalPageKind, LocalisedText)]) -> Vec<legal_page::ActiveModel> {
    let now = Utc::now();
    let mut rows = Vec::new();
    for (kind, text) in pages {
        let mut push = |locale: Locale, body: &str| {
            rows.push(legal_page::ActiveModel {
                municipality_id: Set(owner),
                kind: Set(kind.slug().to_owned()),
                locale: Set(locale.tag().to_owned()),
                body: Set(body.to_owned()),
                updated_at: Set(now),
                ..Default::default()
            });
        };
        push(Locale::De, &text.de);
        if let Some(en) = &text.en {
            push(Locale::En, en);
        }
    }
    rows
}

fn contact_cols(c: &Contact) -> (String, String, String, String, Option<String>, Option<String>) {
    (c.name.clone(), c.street.clone(), c.postcode.as_str().to_owned(), c.city.clone(), c.phone.clone(), c.email.clone())
}

impl Store {
    /// Imports a validated region. Municipalities are matched by slug: existing ones are
    /// updated, new ones created, and their places and legal pages replaced.
    pub async fn import_region(
        &self,
        region: &Region,
        assets: &dyn AssetSource,
        actor: &crate::Actor,
    ) -> Result<ImportReport, StorageError> {
        // 1. Load and check every logo before touching the database.
        let mut logos = BTreeMap::new();
        let mut problems = Vec::new();
        for m in &region.municipalities {
            if let Some(path) = &m.logo {
                match assets.load(path).and_then(|b| check_logo(&b).map(|t| (t, b)).map_err(|e| e.to_string())) {
                    Ok((t, bytes)) => {
                        logos.insert(m.slug.clone(), (t.content_type().to_owned(), bytes));
                    }
                    Err(e) => problems.push(format!("municipality ({}) logo {path:?}: {e}", m.slug)),
                }
            }
        }
        if !problems.is_empty() {
            return Err(StorageError::Import(problems.join("; ")));
        }

        // 2. Write everything in one transaction.
        let (_turn, txn) = self.gate.begin(&self.db).await?;
        let now = Utc::now();
        let (cn, cs, cp, cc, cph, ce) = contact_cols(&region.contact);
        let region_row = region::ActiveModel {
            id: Set(1),
            slug: Set(region.slug.as_str().to_owned()),
            name: Set(region.name.clone()),
            name_en: Set(region.name_en.clone()),
            timezone: Set(region.timezone.name().to_owned()),
            website: Set(region.website.clone()),
            is_demo: Set(region.demo),
            contact_name: Set(cn),
            contact_street: Set(cs),
            contact_postcode: Set(cp),
            contact_city: Set(cc),
            contact_phone: Set(cph),
            contact_email: Set(ce),
            updated_at: Set(now),
        };
        if region::Entity::find_by_id(1).one(&txn).await?.is_some() {
            region_row.update(&txn).await?;
        } else {
            region_row.insert(&txn).await?;
        }

        let existing: BTreeMap<String, i64> =
            municipality::Entity::find().all(&txn).await?.into_iter().map(|m| (m.slug, m.id)).collect();
        let mut ids: BTreeMap<String, i64> = BTreeMap::new();
        let mut report = ImportReport::default();

        for m in &region.municipalities {
            let slug = m.slug.as_str().to_owned();
            let parent_id =
                match &m.parent {
                    Some(p) => Some(*ids.get(p.as_str()).ok_or_else(|| {
                        StorageError::Import(format!("parent {p} of {slug} was not imported before it"))
                    })?),
                    None => None,
                };
            let (cn, cs, cp, cc, cph, ce) = contact_cols(&m.contact);
            let (logo_type, logo_bytes) = logos.remove(&m.slug).map_or((None, None), |(t, b)| (Some(t), Some(b)));
            let mut row = municipality::ActiveModel {
                slug: Set(slug.clone()),
                name: Set(m.name.clone()),
                kind: Set(m.kind.as_str().to_owned()),
                parent_id: Set(parent_id),
                ags: Set(m.ags.as_str().to_owned()),
                ars: Set(m.ars.as_str().to_owned()),
                theme_colour: Set(m.theme_colour.to_string()),
                website: Set(m.website.clone()),
                contact_name: Set(cn),
                contact_street: Set(cs),
                contact_postcode: Set(cp),
                contact_city: Set(cc),
                contact_phone: Set(cph),
                contact_email: Set(ce),
                logo_content_type: Set(logo_type),
                logo_bytes: Set(logo_bytes),
                require_mfa: Set(m.require_mfa),
                updated_at: Set(now),
                ..Default::default()
            };
            let id = if let Some(&id) = existing.get(&slug) {
                row.id = Set(id);
                row.update(&txn).await?;
                report.updated.push(slug.clone());
                id
            } else {
                row.created_at = Set(now);
                let inserted = row.insert(&txn).await?;
                report.created.push(slug.clone());
                inserted.id
            };
            ids.insert(slug, id);

            place::Entity::delete_many().filter(place::Column::MunicipalityId.eq(id)).exec(&txn).await?;
            let place_rows: Vec<place::ActiveModel> = m
                .places
                .iter()
                .flat_map(|p| {
                    p.postcodes.iter().map(move |code| place::ActiveModel {
                        municipality_id: Set(id),
                        name: Set(p.name.clone()),
                        postcode: Set(code.as_str().to_owned()),
                        ..Default::default()
                    })
                })
                .collect();
            report.places += place_rows.len();
            insert_all(&txn, place_rows).await?;

            legal_page::Entity::delete_many().filter(legal_page::Column::MunicipalityId.eq(id)).exec(&txn).await?;
            let rows = legal_rows(Some(id), &m.legal);
            report.legal_pages += rows.len();
            insert_all(&txn, rows).await?;
        }

        // Neighbours, once every municipality of the file has its id.
        municipality_neighbour::Entity::delete_many()
            .filter(municipality_neighbour::Column::MunicipalityId.is_in(ids.values().copied()))
            .exec(&txn)
            .await?;
        let pairs: Vec<municipality_neighbour::ActiveModel> = region
            .municipalities
            .iter()
            .flat_map(|m| m.neighbours.iter().map(move |n| (m.slug.as_str(), n.as_str())))
            .filter_map(|(a, b)| Some((*ids.get(a)?, *ids.get(b)?)))
            .map(|(a, b)| municipality_neighbour::ActiveModel { municipality_id: Set(a), neighbour_id: Set(b) })
            .collect();
        report.neighbours = pairs.len() / 2;
        insert_all(&txn, pairs).await?;

        legal_page::Entity::delete_many().filter(legal_page::Column::MunicipalityId.is_null()).exec(&txn).await?;
        let rows = legal_rows(None, &region.legal);
        report.legal_pages += rows.len();
        insert_all(&txn, rows).await?;

        report.kept = existing.into_keys().filter(|s| !ids.contains_key(s)).collect();
        crate::audit::record(
            &txn,
            actor,
            crate::Change {
                municipality: None,
                entity_type: "region",
                entity_id: Some(region.slug.as_str().to_owned()),
                action: "import",
                changes: serde_json::json!({
                    "created": report.created,
                    "updated": report.updated,
                    "kept": report.kept,
                    "places": report.places,
                    "neighbours": report.neighbours,
                    "legal_pages": report.legal_pages,
                }),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(report)
    }
}

async fn insert_all<A, C>(db: &C, rows: Vec<A>) -> Result<(), StorageError>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    // Chunks keep statements under SQLite's bound-parameter limit.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(100).collect();
        A::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}
