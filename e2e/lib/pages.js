// The list of pages to check, derived from the server's /sitemap.xml (never kept by hand),
// plus the error states. Page types group pages that share a template.
import { baseUrl, DEFAULT_LANG } from './env.js';

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decodeXml(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function attrs(tag) {
  const out = {};
  for (const m of tag.matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1].toLowerCase()] = decodeXml(m[3] ?? m[4]);
  return out;
}

/** Parses a sitemap: [{ loc, alternates: [{ hreflang, href }] }]. */
export function parseSitemap(xml) {
  if (!/<urlset\b[^>]*xmlns\s*=\s*"http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9"/.test(xml)) {
    throw new Error('sitemap.xml has no <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
  }
  const entries = [];
  for (const [, body] of xml.matchAll(/<url>([\s\S]*?)<\/url>/g)) {
    const loc = body.match(/<loc>\s*([^<]*?)\s*<\/loc>/);
    const alternates = [...body.matchAll(/<xhtml:link\b[^>]*>/g)]
      .map(([tag]) => attrs(tag))
      .filter((a) => a.rel === 'alternate')
      .map((a) => ({ hreflang: a.hreflang, href: a.href }));
    entries.push({ loc: loc ? decodeXml(loc[1]) : null, alternates });
  }
  return entries;
}

/** The language a URL should be served in: ?lang=xx, else the default. */
export function expectedLang(url) {
  return new URL(url).searchParams.get('lang') || DEFAULT_LANG;
}

/** A file-name-safe name from the URL path: `/` -> `index`, `/jena/impressum?lang=en` -> `jena_impressum.en`. */
export function pageSlug(url) {
  const u = new URL(url);
  const p = u.pathname.replace(/^\/+|\/+$/g, '').replace(/\//g, '_') || 'index';
  const lang = u.searchParams.get('lang');
  const rest = [...u.searchParams].filter(([k]) => k !== 'lang').map(([k, v]) => `${k}-${v}`).join('_');
  return (p + (rest ? '_' + rest : '') + (lang ? '.' + lang : '')).replace(/[^\w.-]+/g, '-');
}

/** Short label for test names: the path and query relative to the base URL. */
export function label(url) {
  const u = new URL(url);
  return u.pathname + u.search;
}

let cached;

/** Fetches and parses the sitemap once per test file. */
export async function fetchSitemap() {
  if (cached) return cached;
  const res = await fetch(baseUrl() + '/sitemap.xml');
  const xml = await res.text();
  if (res.status !== 200) throw new Error(`GET /sitemap.xml answered ${res.status}`);
  cached = { xml, contentType: res.headers.get('content-type') || '', entries: parseSitemap(xml) };
  return cached;
}

/**
 * Every page to check: every <loc> and every hreflang alternate of the sitemap, then the
 * error states (a path that does not exist, at region and at municipality level, in each language).
 * Each page: { url, path, lang, status, type, slug }.
 */
export async function discoverPages() {
  const base = baseUrl();
  const { entries } = await fetchSitemap();
  const seen = new Map();
  const add = (url, lang, status, state = '') => {
    const abs = new URL(url, base).href;
    if (!seen.has(abs)) seen.set(abs, { url: abs, path: label(abs), lang, status, state });
  };
  for (const e of entries) {
    if (e.loc) add(e.loc, expectedLang(e.loc), 200);
    for (const a of e.alternates) {
      if (!a.href) continue;
      const lang = a.hreflang && a.hreflang !== 'x-default' ? a.hreflang.split('-')[0] : expectedLang(a.href);
      add(a.href, lang, 200);
    }
  }
  const pages = [...seen.values()];
  const tenants = tenantSlugs(pages.map((p) => p.url));
  const tenant = tenants.includes('jena') ? 'jena' : tenants[0];
  const langs = [...new Set(pages.map((p) => p.lang))];
  const errorPaths = ['/gibt-es-nicht', ...(tenant ? [`/${tenant}/gibt-es-nicht`] : [])];
  for (const p of errorPaths) {
    for (const lang of langs.length ? langs : [DEFAULT_LANG]) {
      add(lang === DEFAULT_LANG ? p : `${p}?lang=${lang}`, lang, 404);
    }
  }
  // States that matter, beyond the sitemap: the month view, a filter error, an empty result,
  // and event pages (a cancelled one among them), found through the public API.
  const states = [
    ['/veranstaltungen?view=month', 'month view'],
    ['/veranstaltungen?from=kein-datum', 'validation errors'],
    ['/veranstaltungen?q=zzzzqqqq', 'empty result'],
    ['/buergerservice/leistungen/kfz-zulassung?ort=04626', 'responsible office'],
    ['/buergerservice/leistungen/wohnsitz-anmelden?ort=Burkersdorf', 'ambiguous place'],
    ['/buergerservice/leistungen/wohnsitz-anmelden?ort=Atlantis', 'unknown place'],
    ['/buergerservice/leistungen/wohnsitz-anmelden?ort=10117', 'outside the region'],
    ['/buergerservice/suche?q=Ausweis', 'search results'],
    ['/buergerservice/suche?q=zzzzqqqq', 'empty search'],
    ['/schmoelln/buergerservice/leistungen/kfz-zulassung', 'municipality service page'],
    ['/gera/buergerservice/lebenslagen/umzug', 'municipality life situation'],
    ['/jena/buergerservice/suche?q=Hund', 'municipality search'],
  ];
  try {
    const res = await fetch(base + '/api/v1/events?when=month&limit=1000');
    const items = res.status === 200 ? (await res.json()).items : [];
    const pick = (f) => items.find(f);
    const cancelled = pick((i) => i.status === 'cancelled');
    const allDay = pick((i) => i.all_day && i.status !== 'cancelled');
    const timed = pick((i) => !i.all_day && i.status !== 'cancelled');
    if (cancelled) states.push([new URL(cancelled.url).pathname + new URL(cancelled.url).search, 'cancelled event']);
    if (allDay) states.push([new URL(allDay.url).pathname + new URL(allDay.url).search, 'all-day event']);
    if (timed) states.push([new URL(timed.url).pathname + new URL(timed.url).search, 'event']);
  } catch {
    // No events API: the sitemap pages are still checked.
  }
  for (const [path, state] of states) {
    for (const lang of langs.length ? langs : [DEFAULT_LANG]) {
      const sep = path.includes('?') ? '&' : '?';
      add(lang === DEFAULT_LANG ? path : `${path}${sep}lang=${lang}`, lang, 200, state);
    }
  }
  for (const p of seen.values()) {
    p.type = pageType(p.url, tenants, p.status) + (p.state ? ` [${p.state}]` : '');
    p.slug = pageSlug(p.url);
  }
  return [...seen.values()];
}

/**
 * Municipality slugs: first path segments with their own legal notice (`/jena/impressum`).
 */
export function tenantSlugs(urls) {
  // Every municipality has its own legal notice; a region section like /veranstaltungen has not.
  const paths = new Set(urls.map((u) => new URL(u).pathname));
  const firsts = new Set();
  for (const u of urls) {
    const seg = new URL(u).pathname.split('/').filter(Boolean);
    if (seg.length >= 2 && paths.has(`/${seg[0]}/impressum`)) firsts.add(seg[0]);
  }
  return [...firsts];
}

/** `/`, `/{m}`, `/impressum`, `/{m}/impressum`, `404 /{m}/…` — pages of one type share a template. */
export function pageType(url, tenants, status = 200) {
  const seg = new URL(url).pathname.split('/').filter(Boolean);
  if (seg.length && tenants.includes(seg[0])) seg[0] = '{m}';
  for (let i = 1; i < seg.length; i++) if (/^\d+$/.test(seg[i])) seg[i] = '{id}';
  // Directory entries by slug share a template: one service page, life situation, office.
  for (let i = 1; i < seg.length; i++) if (['leistungen', 'lebenslagen', 'aemter'].includes(seg[i - 1])) seg[i] = '{slug}';
  const shape = '/' + seg.join('/');
  return status === 404 ? `404 ${seg[0] === '{m}' ? '/{m}/…' : '/…'}` : shape;
}

/**
 * One page per (type, language), in sitemap order; for municipality page types the municipality
 * rotates, so that several brand colours and logos are covered. With E2E_FULL=1: all pages.
 */
export function representatives(pages, full = false) {
  if (full) return pages;
  const groups = new Map();
  for (const p of pages) {
    const key = p.type + ' ' + p.lang;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  const used = new Map();
  const tenantOf = (p) => (p.type.includes('{m}') ? new URL(p.url).pathname.split('/')[1] : '');
  const chosen = [];
  for (const group of groups.values()) {
    let best = group[0];
    for (const p of group) if ((used.get(tenantOf(p)) || 0) < (used.get(tenantOf(best)) || 0)) best = p;
    used.set(tenantOf(best), (used.get(tenantOf(best)) || 0) + 1);
    chosen.push(best);
  }
  return chosen;
}

/**
 * The pages the browser checks (axe, reflow, screenshots): every page of a fixed shape — so
 * every municipality's theme is seen on its home, legal and calendar pages — and, of the page
 * types that list directory entries or events (`{slug}`, `{id}`), one page per type and
 * language with the municipality rotating. With E2E_FULL=1: all pages.
 */
export function browserPages(pages, full = false) {
  if (full) return pages;
  const collection = (p) => /\{(slug|id)\}/.test(p.type);
  return [...pages.filter((p) => !collection(p)), ...representatives(pages.filter(collection))];
}
