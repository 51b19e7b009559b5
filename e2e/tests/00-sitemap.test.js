// The page list comes from /sitemap.xml. These tests check the sitemap itself, that it is
// complete (every municipality of the demo region, the legal pages), and that no internal
// link, stylesheet or image of any page is broken.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { baseUrl, REPO_ROOT, failure } from '../lib/env.js';
import { fetchSitemap, discoverPages, tenantSlugs, label } from '../lib/pages.js';

const LEGAL = ['impressum', 'datenschutz', 'barrierefreiheit'];

/** Municipality slugs of the seeded demo region (demo/region.toml, `[[municipality]]` tables). */
function demoMunicipalities() {
  const file = path.join(REPO_ROOT, 'demo', 'region.toml');
  if (!fs.existsSync(file)) return [];
  const slugs = [];
  let inMunicipality = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const header = line.match(/^\s*\[\[?\s*([\w.]+)\s*\]\]?/);
    if (header) { inMunicipality = line.trim().startsWith('[[municipality]]'); continue; }
    const m = inMunicipality && line.match(/^\s*slug\s*=\s*"([^"]+)"/);
    if (m) { slugs.push(m[1]); inMunicipality = false; }
  }
  return slugs;
}

describe('sitemap and links', () => {
  let sitemap;
  let pages;
  let base;
  before(async () => {
    base = baseUrl();
    sitemap = await fetchSitemap();
    pages = await discoverPages();
  });

  it('GET /sitemap.xml is a standard XML sitemap with absolute URLs on the base URL', () => {
    assert.match(sitemap.contentType, /xml/, `content-type is "${sitemap.contentType}"`);
    assert.ok(sitemap.entries.length > 0, 'the sitemap lists no <url>');
    const bad = [];
    const locs = new Set();
    for (const e of sitemap.entries) {
      if (!e.loc) bad.push('a <url> without <loc>');
      else if (!e.loc.startsWith(base + '/')) bad.push(`<loc>${e.loc}</loc> is not an absolute URL on ${base}`);
      else if (locs.has(e.loc)) bad.push(`<loc>${e.loc}</loc> is listed twice`);
      locs.add(e.loc);
      for (const a of e.alternates) {
        if (!a.hreflang) bad.push(`alternate of ${e.loc} without hreflang`);
        if (!a.href || !a.href.startsWith(base + '/')) bad.push(`alternate ${a.hreflang} of ${e.loc} has href "${a.href}", not an absolute URL on ${base}`);
      }
    }
    if (bad.length) throw failure('sitemap.xml:\n' + bad.map((b) => '  - ' + b).join('\n'));
  });

  it('the sitemap lists the region home and the region legal pages', () => {
    const paths = new Set(pages.filter((p) => p.status === 200).map((p) => new URL(p.url).pathname));
    const missing = ['/', ...LEGAL.map((l) => '/' + l)].filter((p) => !paths.has(p));
    if (missing.length) throw failure(`missing in sitemap.xml: ${missing.join(', ')}`);
  });

  it('the sitemap lists every municipality of the demo region, each with the same legal pages', () => {
    const paths = new Set(pages.filter((p) => p.status === 200).map((p) => new URL(p.url).pathname));
    const expected = demoMunicipalities();
    const tenants = [...new Set([...expected, ...tenantSlugs(pages.map((p) => p.url))])];
    const missing = tenants.filter((s) => !paths.has('/' + s)).map((s) => '/' + s);
    for (const l of LEGAL) {
      const having = tenants.filter((s) => paths.has(`/${s}/${l}`));
      if (having.length) missing.push(...tenants.filter((s) => !having.includes(s)).map((s) => `/${s}/${l}`));
    }
    if (missing.length) throw failure(`missing in sitemap.xml (${missing.length}):\n` + missing.map((m) => '  - ' + m).join('\n'));
  });

  it('every page of the sitemap has an English alternate', () => {
    const without = sitemap.entries.filter((e) => !e.alternates.some((a) => a.hreflang === 'en')).map((e) => e.loc);
    if (without.length) throw failure(`no <xhtml:link rel="alternate" hreflang="en"> for:\n` + without.map((m) => '  - ' + m).join('\n'));
  });

  it('no internal link, stylesheet, image or script of any page is broken', async () => {
    const targets = new Map(); // url -> first page linking to it
    const errorStates = new Set(pages.filter((p) => p.status !== 200).map((p) => new URL(p.url).pathname));
    const fragments = [];
    for (const p of pages) {
      const res = await fetch(p.url, { headers: { 'accept-language': 'de-DE,de;q=0.9' } });
      const html = await res.text();
      const ids = new Set([...html.matchAll(/\sid\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]));
      for (const m of html.matchAll(/<(a|link|img|script|source|area|form|iframe)\b[^>]*?\s(href|src|action)\s*=\s*["']([^"']*)["']/gi)) {
        const raw = m[3].replace(/&amp;/g, '&');
        if (/^(mailto|tel|data|javascript):/i.test(raw)) continue;
        if (raw.startsWith('#')) {
          if (raw.length > 1 && !ids.has(decodeURIComponent(raw.slice(1)))) fragments.push(`${p.path}: link to ${raw}, but no element has id="${raw.slice(1)}"`);
          continue;
        }
        const u = new URL(raw, p.url);
        if (u.origin !== new URL(base).origin) continue;
        u.hash = '';
        if (errorStates.has(u.pathname)) continue; // e.g. the language switch of a 404 page
        if (!targets.has(u.href)) targets.set(u.href, p.path);
      }
    }
    const broken = [...fragments];
    const queue = [...targets.entries()];
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (queue.length) {
        const [url, from] = queue.shift();
        const res = await fetch(url, { redirect: 'follow' }).catch((e) => ({ status: 'error ' + e.message }));
        if (typeof res.status !== 'number' || res.status >= 400) broken.push(`${label(url)} answers ${res.status} (linked from ${from})`);
        if (res.body) await res.arrayBuffer().catch(() => {});
      }
    }));
    if (broken.length) throw failure(`${broken.length} broken internal link(s):\n` + broken.map((b) => '  - ' + b).join('\n'));
  });
});
