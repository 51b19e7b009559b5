//! The page chrome: header, navigation, language switch, breadcrumbs and footer, for the region
//! or for one municipality.

use std::sync::OnceLock;

use regioportal_domain::{LegalPageKind, Locale};
use regioportal_storage::MunicipalityRecord;

use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::{AppState, pages};

/// What every page shows of the region; cached so error pages need no database.
#[derive(Debug, Clone)]
pub struct RegionInfo {
    /// German name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Name of the operator (footer).
    pub operator: String,
    /// Whether the region's content is demo content.
    pub demo: bool,
}

impl RegionInfo {
    pub(crate) fn placeholder() -> Self {
        Self { name: String::new(), name_en: None, operator: "Regioportal".to_owned(), demo: false }
    }

    /// The region's name in a language.
    pub fn name_in(&self, locale: Locale) -> &str {
        match (locale, &self.name_en) {
            (Locale::En, Some(en)) => en,
            _ => &self.name,
        }
    }
}

/// The region (from the in-memory directory).
pub(crate) async fn region_info(state: &AppState) -> Result<RegionInfo, AppError> {
    Ok(state.directory.get(&state.store).await?.region.clone())
}

/// The last known region, for pages that must render without the database.
pub(crate) fn cached_region(state: &AppState) -> RegionInfo {
    state.directory.last().map_or_else(RegionInfo::placeholder, |s| s.region.clone())
}

/// A link in a list.
#[derive(Debug, Clone)]
pub struct Link {
    /// Visible text.
    pub label: String,
    /// Target.
    pub href: String,
    /// Whether it is the current page (`aria-current="page"`).
    pub current: bool,
}

/// An entry of the language switch.
#[derive(Debug, Clone)]
pub struct LangLink {
    /// BCP 47 tag.
    pub tag: &'static str,
    /// The language's name in itself.
    pub name: &'static str,
    /// The current page in that language.
    pub href: String,
    /// Whether it is the current language.
    pub current: bool,
}

/// The parts of the layout around the content.
pub struct Chrome<'a> {
    /// Translator.
    pub t: Tr<'a>,
    /// Page title (before the site name).
    pub title: String,
    /// Site name ("Regioportal Ostthüringen").
    pub site_name: String,
    /// Stylesheet URL with cache-busting version.
    pub css_href: String,
    /// Stylesheet of the municipality's theme.
    pub theme_css: Option<String>,
    /// Name in the header.
    pub brand_name: String,
    /// Where the header name links to.
    pub brand_home: String,
    /// Logo URL.
    pub logo: Option<String>,
    /// Main navigation.
    pub nav: Vec<Link>,
    /// Language switch.
    pub languages: Vec<LangLink>,
    /// Breadcrumbs (without the current page).
    pub breadcrumbs: Vec<Link>,
    /// Footer links.
    pub footer: Vec<Link>,
    /// Operator named in the footer.
    pub operator: String,
    /// Whether to show the demo banner.
    pub demo: bool,
}

/// The stylesheet's versioned URL.
pub fn stylesheet_href() -> String {
    css_href().to_owned()
}

fn css_href() -> &'static str {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| {
        // FNV-1a of the stylesheet: a new version gets a new URL, so it can be cached forever.
        let hash = pages::STYLESHEET
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        format!("/static/regioportal.css?v={:012x}", hash & 0xffff_ffff_ffff)
    })
}

fn legal_links(t: Tr<'_>, prefix: &str, current_path: &str) -> Vec<Link> {
    LegalPageKind::ALL
        .iter()
        .map(|k| {
            let href = format!("{prefix}/{}", k.slug());
            Link { label: t.get(k.title_key()), current: href == current_path, href }
        })
        .collect()
}

impl Chrome<'_> {
    /// ` lang="de"` for an element that holds German content — the catalogue's texts, office
    /// names, organisers' events — on a page in another language, so that screen readers
    /// switch voice (WCAG 3.1.2 Language of Parts); empty on German pages. Templates write
    /// `<p{{ chrome.de()|safe }}>`.
    pub fn de(&self) -> &'static str {
        if self.t.locale == regioportal_domain::Locale::De { "" } else { " lang=\"de\"" }
    }

    /// The document's `<title>`: "page – site", shortened to at most 70 characters (long
    /// titles are cut off in tabs and search results): the site name goes first, then the
    /// page title is cut at a word.
    pub fn document_title(&self) -> String {
        const MAX: usize = 70;
        let full = format!("{} – {}", self.title, self.site_name);
        if full.chars().count() <= MAX {
            return full;
        }
        if self.title.chars().count() <= MAX {
            return self.title.clone();
        }
        let mut cut: String = self.title.chars().take(MAX - 1).collect();
        if let Some(space) = cut.rfind(' ') {
            cut.truncate(space);
        }
        format!("{cut}…")
    }
}

impl<'a> Chrome<'a> {
    fn base(state: &'a AppState, ctx: &RequestCtx, region: &RegionInfo, title: String) -> Self {
        let t = state.i18n.tr(ctx.locale);
        let region_name = region.name_in(ctx.locale);
        let site_name =
            if region_name.is_empty() { t.get("site-name") } else { format!("{} {region_name}", t.get("site-name")) };
        Self {
            t,
            title,
            brand_name: site_name.clone(),
            site_name,
            css_href: css_href().to_owned(),
            theme_css: None,
            brand_home: "/".to_owned(),
            logo: None,
            nav: vec![
                Link { label: t.get("nav-home"), href: "/".to_owned(), current: ctx.path == "/" },
                Link {
                    label: t.get("nav-events"),
                    href: "/veranstaltungen".to_owned(),
                    current: ctx.path == "/veranstaltungen",
                },
                Link {
                    label: t.get("nav-services"),
                    href: "/buergerservice".to_owned(),
                    current: ctx.path == "/buergerservice",
                },
            ],
            languages: Locale::ALL
                .iter()
                .map(|&l| LangLink { tag: l.tag(), name: l.endonym(), href: ctx.href_in(l), current: l == ctx.locale })
                .collect(),
            breadcrumbs: vec![],
            footer: legal_links(t, "", &ctx.path),
            operator: region.operator.clone(),
            demo: region.demo,
        }
    }

    /// Chrome of a region page.
    pub fn region(state: &'a AppState, ctx: &RequestCtx, region: &RegionInfo, title: String) -> Self {
        let mut c = Self::base(state, ctx, region, title);
        if ctx.path != "/" {
            c.breadcrumbs.push(Link { label: c.site_name.clone(), href: "/".to_owned(), current: false });
        }
        c
    }

    /// Chrome of a municipality's page: its name, logo, colours and legal pages.
    pub fn municipality(
        state: &'a AppState,
        ctx: &RequestCtx,
        region: &RegionInfo,
        m: &MunicipalityRecord,
        title: String,
    ) -> Self {
        let mut c = Self::base(state, ctx, region, title);
        let home = format!("/{}", m.slug());
        c.brand_name = m.name.clone();
        c.theme_css = Some(format!("{home}/theme.css?v={}", m.updated_at.timestamp()));
        c.logo = m.logo_content_type.as_ref().map(|_| format!("{home}/logo?v={}", m.updated_at.timestamp()));
        c.nav = vec![
            Link { label: c.t.get("nav-home"), href: home.clone(), current: ctx.path == home },
            Link {
                label: c.t.get("nav-events"),
                href: format!("{home}/veranstaltungen"),
                current: ctx.path == format!("{home}/veranstaltungen"),
            },
            Link {
                label: c.t.get("nav-services"),
                href: format!("{home}/buergerservice"),
                current: ctx.path == format!("{home}/buergerservice"),
            },
            Link { label: c.t.get("nav-region"), href: "/".to_owned(), current: false },
        ];
        c.breadcrumbs.push(Link { label: c.site_name.clone(), href: "/".to_owned(), current: false });
        if ctx.path != home {
            c.breadcrumbs.push(Link { label: m.name.clone(), href: home.clone(), current: false });
        }
        c.footer = legal_links(c.t, &home, &ctx.path);
        c
    }
}

impl<'a> Chrome<'a> {
    /// Chrome of a staff page (`/verwaltung`): the staff navigation instead of the public one.
    pub fn staff(
        state: &'a AppState,
        ctx: &RequestCtx,
        region: &RegionInfo,
        title: String,
        staff: Option<&crate::staff::Staff>,
    ) -> Self {
        let mut c = Self::base(state, ctx, region, title);
        let t = c.t;
        c.brand_home = "/verwaltung".to_owned();
        c.brand_name = format!("{} – {}", c.site_name, t.get("staff-area"));
        let mut nav = vec![Link {
            label: t.get("staff-nav-dashboard"),
            href: "/verwaltung".to_owned(),
            current: ctx.path == "/verwaltung",
        }];
        if let Some(s) = staff {
            nav.push(Link {
                label: t.get("staff-nav-account"),
                href: "/verwaltung/konto".to_owned(),
                current: ctx.path.starts_with("/verwaltung/konto"),
            });
            if s.perms.is_platform_admin()
                || s.perms.grants().iter().any(|g| g.role() == regioportal_domain::auth::Role::MunicipalityAdmin)
            {
                nav.push(Link {
                    label: t.get("staff-nav-audit"),
                    href: "/verwaltung/protokoll".to_owned(),
                    current: ctx.path == "/verwaltung/protokoll",
                });
            }
        }
        nav.push(Link { label: t.get("staff-nav-portal"), href: "/".to_owned(), current: false });
        c.nav = nav;
        c
    }
}
