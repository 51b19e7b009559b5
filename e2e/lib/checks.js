// The checks, as functions of a Playwright page. Each returns a list of problems (strings);
// an empty list means the check passed. The self-test (tests/05-selftest.test.js) runs them
// against a deliberately broken page, so that none of them can pass vacuously.
import { injectAxe } from './browser.js';

/** WCAG 2.0/2.1/2.2 A and AA, as required by BITV 2.0 / EN 301 549. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// ---------------------------------------------------------------------------------------------
// Helpers that run inside the page. Installed once per document as window.__rpE2E.

function pageHelpers() {
  if (window.__rpE2E) return;

  /** A short, mostly unique CSS path for messages: `header.rp-header > nav > a.rp-lang__link`. */
  function describe(el) {
    if (!el || el.nodeType !== 1) return String(el);
    const parts = [];
    for (let n = el; n && n.nodeType === 1 && n !== document.documentElement; n = n.parentElement) {
      if (n.id) { parts.unshift('#' + CSS.escape(n.id)); break; }
      let part = n.localName;
      const cls = [...n.classList].filter((c) => !c.startsWith('__rp')).slice(0, 2);
      if (cls.length) part += '.' + cls.map((c) => CSS.escape(c)).join('.');
      const parent = n.parentElement;
      if (parent) {
        const same = [...parent.children].filter((c) => c.localName === n.localName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(n) + 1})`;
      }
      parts.unshift(part);
      if (parts.length >= 4) break;
    }
    return parts.join(' > ');
  }

  function snippet(el) {
    const html = el.outerHTML || '';
    const open = html.slice(0, html.indexOf('>') + 1);
    return open.length > 160 ? open.slice(0, 157) + '...' : open;
  }

  function isHidden(el) {
    if (el.getAttribute && el.getAttribute('aria-hidden') === 'true') return true;
    const cs = getComputedStyle(el);
    return cs.display === 'none' || cs.visibility === 'hidden';
  }

  /** Text alternative of a subtree (simplified accname: text, alt of images, labels of svg). */
  function textOf(node, ignoreHidden) {
    if (node.nodeType === 3) return node.data;
    if (node.nodeType !== 1) return '';
    const el = node;
    if (!ignoreHidden && isHidden(el)) return '';
    const label = el.getAttribute('aria-label');
    if (label && label.trim()) return ' ' + label + ' ';
    if (el.localName === 'img' || (el.localName === 'input' && el.type === 'image')) return ' ' + (el.getAttribute('alt') || '') + ' ';
    if (el.localName === 'svg') {
      const t = el.querySelector(':scope > title');
      return t ? ' ' + t.textContent + ' ' : '';
    }
    if (['script', 'style', 'template'].includes(el.localName)) return '';
    let s = '';
    for (const c of el.childNodes) s += textOf(c, ignoreHidden);
    const cs = getComputedStyle(el);
    return cs.display.startsWith('inline') ? s : ' ' + s + ' ';
  }

  const clean = (s) => (s || '').replace(/\s+/g, ' ').trim();

  /** Accessible name: aria-labelledby, aria-label, labels/alt/value, content, title. */
  function accName(el) {
    const ids = el.getAttribute('aria-labelledby');
    if (ids) {
      const t = clean(ids.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean).map((n) => textOf(n, true)).join(' '));
      if (t) return t;
    }
    const label = clean(el.getAttribute('aria-label'));
    if (label) return label;
    const tag = el.localName;
    if (tag === 'input' || tag === 'select' || tag === 'textarea' || tag === 'button' || tag === 'meter' || tag === 'output') {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (tag === 'input' && ['submit', 'reset', 'button'].includes(type)) {
        return clean(el.value) || (type === 'submit' ? 'Submit' : type === 'reset' ? 'Reset' : '');
      }
      if (tag === 'input' && type === 'image') return clean(el.getAttribute('alt')) || clean(el.title);
      if (el.labels && el.labels.length) {
        const t = clean([...el.labels].map((l) => textOf(l, false)).join(' '));
        if (t) return t;
      }
      if (tag !== 'button') return clean(el.title) || clean(el.getAttribute('placeholder'));
    }
    if (tag === 'img' || tag === 'area') return clean(el.getAttribute('alt')) || clean(el.title);
    if (tag === 'summary' || tag === 'button' || tag === 'a' || el.getAttribute('role') === 'button' || el.getAttribute('role') === 'link' || tag === 'option') {
      const t = clean(textOf(el, false));
      if (t) return t;
    }
    return clean(el.title);
  }

  function styleOf(el) {
    const cs = getComputedStyle(el);
    return {
      outlineStyle: cs.outlineStyle,
      outlineWidth: cs.outlineWidth,
      outlineColor: cs.outlineColor,
      boxShadow: cs.boxShadow,
      backgroundColor: cs.backgroundColor,
      color: cs.color,
      borderColor: cs.borderColor,
      textDecoration: cs.textDecorationLine + ' ' + cs.textDecorationThickness,
    };
  }

  function alpha(colour) {
    const m = /rgba?\(([^)]*)\)/.exec(colour || '');
    if (!m) return colour === 'transparent' ? 0 : 1;
    const parts = m[1].split(/[\s,/]+/).filter(Boolean);
    return parts.length > 3 ? parseFloat(parts[3]) : 1;
  }

  /** Does a computed box-shadow paint anything (a non-transparent colour)? */
  function shadowPaints(shadow) {
    if (!shadow || shadow === 'none') return false;
    const colours = shadow.match(/rgba?\([^)]*\)/g) || [];
    return colours.length === 0 || colours.some((c) => alpha(c) > 0);
  }

  const FOCUSABLE = 'a[href], area[href], button, input:not([type="hidden"]), select, textarea, summary, iframe, [tabindex], [contenteditable]:not([contenteditable="false"]), audio[controls], video[controls]';
  const unfocused = new Map();
  let nextKey = 1;

  function keyOf(el) {
    if (!el.__rpKey) el.__rpKey = nextKey++;
    return el.__rpKey;
  }

  /** Remembers the unfocused style of every focusable element (call before the first Tab). */
  async function snapshotUnfocused() {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    await settle();
    for (const el of document.querySelectorAll(FOCUSABLE)) unfocused.set(keyOf(el), styleOf(el));
    return unfocused.size;
  }

  /**
   * Ends running transitions and animations, then waits two frames, so that styles are read in
   * their end state (even a 0.01ms transition, as a reduced-motion reset creates, shows the start
   * value until the next frame).
   */
  async function settle() {
    for (const a of document.getAnimations()) {
      try { a.finish(); } catch { /* infinite animation */ }
    }
    // With JavaScript disabled no frame callback (and no timer) ever runs; the caller sets
    // window.__rpE2ENoFrames and waits on its side instead (getComputedStyle is current anyway).
    if (window.__rpE2ENoFrames) return;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }

  /** Facts about the focused element: name, focus indicator, visibility. */
  async function focusInfo() {
    await settle();
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { atBody: true };
    const key = keyOf(el);
    const now = styleOf(el);
    const before = unfocused.get(key);
    const outline = now.outlineStyle !== 'none' && parseFloat(now.outlineWidth) >= 2 && alpha(now.outlineColor) > 0 &&
      (!before || before.outlineStyle !== now.outlineStyle || before.outlineWidth !== now.outlineWidth || before.outlineColor !== now.outlineColor);
    const shadow = shadowPaints(now.boxShadow) && (!before || before.boxShadow !== now.boxShadow);
    const background = !!before && before.backgroundColor !== now.backgroundColor;
    const rects = [...el.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    const r = rects[0] || el.getBoundingClientRect();
    const inViewport = rects.length > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
    let obscuredBy = null;
    if (inViewport) {
      const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
      const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
      const hit = document.elementFromPoint(x, y);
      if (hit && hit !== el && !el.contains(hit) && !hit.contains(el) && !(el.labels && [...el.labels].some((l) => l.contains(hit)))) {
        obscuredBy = describe(hit);
      }
    }
    return {
      atBody: false,
      key,
      selector: describe(el),
      html: snippet(el),
      name: accName(el),
      indicator: { outline, shadow, background, ok: outline || shadow || background, style: now, unfocused: before || null },
      visible: inViewport && getComputedStyle(el).visibility !== 'hidden',
      obscuredBy,
      inMain: !!el.closest('main'),
      afterMain: (() => {
        const main = document.getElementById('main-content');
        return !!main && (main.contains(el) || !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
      })(),
      isSkipLink: el.matches('a.rp-skip-link') && el.getAttribute('href') === '#main-content',
      // Date and time inputs have one Tab stop per sub-field (day, month, year) in Chromium.
      subFields: el.matches('input[type="date"], input[type="time"], input[type="datetime-local"], input[type="month"], input[type="week"]'),
      skipLinkBox: el.matches('a.rp-skip-link') ? { width: r.width, height: r.height, clipPath: getComputedStyle(el).clipPath } : null,
    };
  }

  /** Landmarks, headings, title and language of the document. */
  function structure() {
    const topLevel = (sel) => [...document.querySelectorAll(sel)].filter((el) => !el.parentElement.closest('article, aside, main, nav, section, [role="main"], [role="region"]'));
    return {
      lang: document.documentElement.getAttribute('lang'),
      title: document.title,
      h1: [...document.querySelectorAll('h1')].map((h) => clean(h.textContent)),
      mains: document.querySelectorAll('main, [role="main"]').length,
      mainContent: !!document.querySelector('main#main-content'),
      banner: topLevel('header, [role="banner"]').length,
      nav: document.querySelectorAll('nav, [role="navigation"]').length,
      contentinfo: topLevel('footer, [role="contentinfo"]').length,
      skipLinkFirst: (() => {
        const first = document.querySelector(FOCUSABLE);
        return !!first && first.matches('a.rp-skip-link') && first.getAttribute('href') === '#main-content';
      })(),
    };
  }

  /** Horizontal overflow at the current viewport width. */
  function reflow() {
    const vw = document.documentElement.clientWidth;
    const scrollWidth = Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0);
    const clippedByAncestor = (el) => {
      for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox !== 'visible') return true; // scrolls or clips inside its own box; that box is checked itself
      }
      return false;
    };
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.display === 'contents') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const right = r.right + scrollX;
      if ((r.width > vw + 0.5 || right > vw + 0.5) && !clippedByAncestor(el)) wide.push(el);
    }
    const outermost = wide.filter((el) => !wide.some((o) => o !== el && o.contains(el)));
    return {
      viewport: vw,
      scrollWidth,
      offenders: outermost.slice(0, 10).map((el) => {
        const r = el.getBoundingClientRect();
        return { selector: describe(el), html: snippet(el), width: Math.round(r.width), right: Math.round(r.right + scrollX) };
      }),
      offenderCount: outermost.length,
    };
  }

  window.__rpE2E = { describe, accName, snapshotUnfocused, focusInfo, structure, reflow };
}

export async function installHelpers(page) {
  await page.evaluate(pageHelpers);
}

// ---------------------------------------------------------------------------------------------
// Checks

/** Landmarks, one h1, title, main#main-content, <html lang>. */
export async function checkStructure(page, { lang }) {
  await installHelpers(page);
  const s = await page.evaluate(() => window.__rpE2E.structure());
  const problems = [];
  if (s.lang !== lang) problems.push(`<html lang="${s.lang}">, expected lang="${lang}"`);
  if (!s.title.trim()) problems.push('<title> is missing or empty');
  if (s.h1.length !== 1) problems.push(`expected exactly one <h1>, found ${s.h1.length}${s.h1.length ? ': ' + s.h1.map((h) => JSON.stringify(h)).join(', ') : ''}`);
  if (!s.mainContent) problems.push('no <main id="main-content">');
  if (s.mains !== 1) problems.push(`expected exactly one main landmark, found ${s.mains}`);
  if (s.banner < 1) problems.push('no header (banner) landmark outside main/sectioning content');
  if (s.nav < 1) problems.push('no nav landmark');
  if (s.contentinfo < 1) problems.push('no footer (contentinfo) landmark outside main/sectioning content');
  if (!s.skipLinkFirst) problems.push('the first focusable element in the DOM is not <a class="rp-skip-link" href="#main-content">');
  return { problems, facts: s };
}

/** axe-core with the WCAG A/AA tags; returns violations as readable problems plus the raw results. */
export async function checkAxe(page) {
  await injectAxe(page);
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] });
    const slim = (list) => list.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html.length > 200 ? n.html.slice(0, 197) + '...' : n.html, summary: n.failureSummary })),
    }));
    return { violations: slim(r.violations), incomplete: slim(r.incomplete), passed: r.passes.length };
  }, AXE_TAGS);
  const problems = result.violations.map((v) => {
    const nodes = v.nodes.slice(0, 8).map((n) => {
      const why = (n.summary || '').split('\n').map((l) => l.trim()).filter(Boolean).slice(1, 3).join(' / ');
      return `      at ${n.target.join(' ')}  ${n.html}${why ? '\n         ' + why : ''}`;
    });
    if (v.nodes.length > 8) nodes.push(`      … and ${v.nodes.length - 8} more element(s)`);
    return `${v.id} [${v.impact}] ${v.help}\n      ${v.helpUrl}\n${nodes.join('\n')}`;
  });
  // Guard against a vacuous pass (axe blocked or rule set empty): some rule must have passed.
  if (result.passed === 0 && result.violations.length === 0) problems.push('axe evaluated no rule at all (no passes, no violations)');
  return { problems, ...result };
}

/** No horizontal scrolling and no element wider than the viewport (WCAG 1.4.10). */
export async function checkReflow(page) {
  await installHelpers(page);
  const r = await page.evaluate(() => window.__rpE2E.reflow());
  const problems = [];
  if (r.scrollWidth > r.viewport) problems.push(`page scrolls horizontally: scrollWidth ${r.scrollWidth}px > viewport ${r.viewport}px`);
  for (const o of r.offenders) problems.push(`element wider than the ${r.viewport}px viewport (width ${o.width}px, right edge at ${o.right}px): ${o.selector}  ${o.html}`);
  if (r.offenderCount > r.offenders.length) problems.push(`… and ${r.offenderCount - r.offenders.length} more`);
  return { problems, facts: r };
}

function describeStyle(st) {
  if (!st) return 'unknown';
  return `outline ${st.outlineStyle} ${st.outlineWidth} ${st.outlineColor}; box-shadow ${st.boxShadow}; background ${st.backgroundColor}`;
}

/**
 * Skip link: first Tab stop, visible when focused, Enter moves to main#main-content
 * (fragment in the URL, main scrolled to, and the next Tab lands in or after main).
 * Expects a freshly loaded page.
 */
export async function checkSkipLink(page) {
  await installHelpers(page);
  await page.evaluate(() => window.__rpE2E.snapshotUnfocused());
  const problems = [];
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => window.__rpE2E.focusInfo());
  if (first.atBody) return { problems: ['Tab from the start of the page focuses nothing'] };
  if (!first.isSkipLink) {
    return { problems: [`first Tab stop is not the skip link a.rp-skip-link[href="#main-content"] but ${first.selector}  ${first.html}`] };
  }
  const box = first.skipLinkBox;
  if (!first.visible || box.width < 10 || box.height < 10 || (box.clipPath && box.clipPath !== 'none')) {
    problems.push(`skip link is not visible when focused (box ${Math.round(box.width)}×${Math.round(box.height)}px, clip-path ${box.clipPath})`);
  }
  if (!first.name) problems.push('skip link has no accessible name');
  if (!first.indicator.ok) problems.push(`skip link has no visible focus style (${describeStyle(first.indicator.style)})`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#main-content', null, { timeout: 2000 }).catch(() => {});
  const after = await page.evaluate(() => {
    const main = document.getElementById('main-content');
    const top = main ? main.getBoundingClientRect().top : null;
    const maxScroll = document.documentElement.scrollHeight - innerHeight;
    return {
      hash: location.hash,
      isMain: !!main && main.localName === 'main',
      active: document.activeElement === main ? 'main' : document.activeElement ? document.activeElement.localName : null,
      top,
      atBottom: scrollY >= maxScroll - 1,
    };
  });
  if (after.hash !== '#main-content') problems.push(`Enter on the skip link did not go to #main-content (location.hash is "${after.hash}")`);
  if (!after.isMain) problems.push('#main-content is not a <main> element');
  if (after.isMain && !(after.top !== null && after.top < 80 && after.top > -5) && !after.atBottom) {
    problems.push(`after the skip link, main#main-content is not scrolled to the top (its top is at ${Math.round(after.top)}px)`);
  }
  if (after.active !== 'main') {
    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => window.__rpE2E.focusInfo());
    if (!next.atBody && !next.afterMain) problems.push(`after the skip link, the next Tab stop is before main: ${next.selector}  ${next.html}`);
  }
  return { problems, facts: after };
}

/**
 * Tabs through the whole page from the start: every stop must have an accessible name, a visible
 * focus indicator (outline ≥ 2px, or a box-shadow, or a background change against its unfocused
 * state), and be visible on screen and not covered. Expects a freshly loaded page.
 */
export async function checkFocusWalk(page, { max = 400 } = {}) {
  await installHelpers(page);
  await page.evaluate(() => window.__rpE2E.snapshotUnfocused());
  const steps = [];
  const problems = [];
  let repeats = 0;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => window.__rpE2E.focusInfo());
    if (info.atBody) break;
    // The next sub-field of the same date/time input is the same Tab stop (a few at most).
    if (info.subFields && steps.length && info.key === steps[steps.length - 1].key && repeats < 5) {
      repeats++;
      continue;
    }
    repeats = 0;
    if (steps.length && info.key === steps[0].key) break;
    if (steps.some((s) => s.key === info.key)) {
      problems.push(`focus trap or loop: ${info.selector} was focused twice`);
      break;
    }
    steps.push(info);
    const where = `Tab stop ${steps.length}: ${info.selector}  ${info.html}`;
    if (!info.name) problems.push(`${where}\n      has no accessible name`);
    if (!info.indicator.ok) {
      problems.push(`${where}\n      has no visible focus style: focused ${describeStyle(info.indicator.style)}; unfocused ${describeStyle(info.indicator.unfocused)}`);
    }
    if (!info.visible) problems.push(`${where}\n      is not visible on screen while focused`);
    else if (info.obscuredBy) problems.push(`${where}\n      is covered by ${info.obscuredBy} while focused`);
  }
  if (steps.length === max) problems.push(`more than ${max} Tab stops: stopped counting`);
  return { problems, steps: steps.map((s) => ({ selector: s.selector, name: s.name, indicator: s.indicator.outline ? 'outline' : s.indicator.shadow ? 'box-shadow' : s.indicator.background ? 'background' : 'none' })) };
}

/**
 * Collects, into lane.events, the console errors, CSP violations, page errors and failed or
 * >= 400 subresource requests of the page under test (lane.current = { url, status }).
 */
export function collectPageEvents(lane) {
  const push = (msg) => { if (lane.current) lane.events.push(msg); };
  lane.page.on('console', (m) => {
    const p = lane.current;
    if (!p || (m.type() !== 'error' && !/Content.Security.Policy/i.test(m.text()))) return;
    // The main document of an error page answers 404 on purpose; Chromium logs that.
    if (p.status !== 200 && m.location().url === p.url && /status of 404/.test(m.text())) return;
    push(`console ${m.type()}: ${m.text()}${m.location().url ? ' (' + m.location().url + ')' : ''}`);
  });
  lane.page.on('pageerror', (e) => push(`page error: ${e.message}`));
  lane.page.on('requestfailed', (r) => push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  lane.page.on('response', (r) => {
    if (lane.current && r.url() !== lane.current.url && r.status() >= 400) push(`subresource ${r.url()} answered ${r.status()}`);
  });
}

/** Formats a list of problems for an assertion message. */
export function report(title, url, problems) {
  return `${title} — ${problems.length} problem(s) on ${url}\n${problems.map((p) => '  - ' + p).join('\n')}`;
}
