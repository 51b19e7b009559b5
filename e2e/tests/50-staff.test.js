// The staff area (/verwaltung) in a real browser, signed in with the accounts e2e/run seeds.
//
// The page types come from the binary (`regioportal routes`, written by e2e/run to
// $E2E_ROUTES): every GET route must have been rendered and checked by the end of this file,
// otherwise the last test fails. The states that matter (empty form, field errors, wrong
// password, second factor, enrolment, recovery codes, notices, 403, expired link …) are reached
// through the real flows, in German and English, each with the same checks as the public pages:
// raw HTML valid, structure and landmarks, no CSP violation or console error, reflow and
// screenshots at 320 and 1280 px, axe WCAG 2.2 A/AA at both widths, the skip link, and a Tab walk
// with accessible name and visible focus at every stop. GET routes with only `{municipality}`
// that no flow below covers are visited as the municipality administrator automatically, so a
// new staff page gets every check without anyone adding it here.
//
// Two keyboard-only journeys close the file: sign in with Tab, typing and Enter, with and
// without JavaScript.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, SCREENSHOTS, CONCURRENCY, baseUrl, failure, recordFinding } from '../lib/env.js';
import { launchBrowser, contextOptions } from '../lib/browser.js';
import { checkStructure, checkReflow, checkAxe, checkSkipLink, checkFocusWalk, installHelpers, report } from '../lib/checks.js';
import { checkHtml } from '../lib/html.js';
import { discoverPages } from '../lib/pages.js';
import { staffEnv, readRoutes, matchRoute, routeParams, TotpClock, newestResetLink, msg, textMatches } from '../lib/staff.js';

const env = staffEnv();
const BASE = baseUrl();
const AXE_DIR = path.join(ARTIFACTS, 'axe');
const TAB_DIR = path.join(ARTIFACTS, 'tab-order');
fs.mkdirSync(AXE_DIR, { recursive: true });
fs.mkdirSync(TAB_DIR, { recursive: true });

const M = env.municipality;
const INVITEE = { de: 'e2e-neu-de@example.org', en: 'e2e-new-en@example.org' };
const NEW_PASSWORD = 'Ein langes neues Passwort für den Test 7';
const routes = env.ready ? readRoutes(env.routesFile) : [];
const getRoutes = routes.filter((r) => r.method === 'GET');

// ---------------------------------------------------------------------------------------------
// Little concurrency helpers: a semaphore (pages checked at a time) and one-shot signals
// between flows (the reset flow needs the invited accounts, the account page the second session).

class Semaphore {
  constructor(n) { this.n = n; this.q = []; }
  async acquire() {
    if (this.n > 0) { this.n--; return; }
    await new Promise((r) => this.q.push(r));
  }
  release() {
    const next = this.q.shift();
    if (next) next(); else this.n++;
  }
}
const slots = new Semaphore(CONCURRENCY);

function signal() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
const enrolled = signal();           // the admin's TOTP is set up (clock available)
const invited = { de: signal(), en: signal() }; // the invitees exist
const secondSession = signal();      // the admin is signed in a second time
const WAIT = 240_000;
const TEST_TIMEOUT = { timeout: 60_000 };
/** E2E_DEBUG=1: progress of the flows on stderr (the spec reporter prints only finished suites, in order). */
const debug = process.env.E2E_DEBUG === '1' ? (m) => process.stderr.write(`[staff ${new Date().toISOString().slice(11, 19)}] ${m}\n`) : () => {};
function within(p, what) {
  let timer;
  const limit = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`gave up waiting for: ${what}`)), WAIT); });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

let mailLock = Promise.resolve();
/** Runs fn alone: submitting the "forgot password" form and reading the newest mail belong together. */
function withMailLock(fn) {
  const run = mailLock.then(fn, fn);
  mailLock = run.catch(() => {});
  return run;
}

// ---------------------------------------------------------------------------------------------
// A browser session of one flow: its context, the final document response of each navigation,
// and the console/CSP/subresource events of the page under test.

let browser;
const visits = []; // { path, status, state } of every checked page

class Session {
  constructor(name, options = {}) { this.name = name; this.options = options; }

  async open() {
    if (this.page) return;
    this.ctx = await browser.newContext(contextOptions({ viewport: { width: 320, height: 800 }, ...this.options }));
    this.page = await this.ctx.newPage();
    this.events = [];
    this.lastDoc = null;
    // Events belong to the document they happened in: a flow navigates several times on the way
    // to a state, and a request of the previous document aborted by the next navigation (the
    // favicon, typically) is not a problem of the state's page.
    this.gen = 0;
    const genOf = new WeakMap();
    const page = this.page;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) this.gen++; });
    page.on('request', (r) => genOf.set(r, this.gen));
    const push = (e, req) => this.events.push({ ...e, gen: req && genOf.has(req) ? genOf.get(req) : this.gen });
    page.on('response', (r) => {
      const req = r.request();
      if (req.isNavigationRequest() && r.frame() === page.mainFrame()) {
        if (r.status() < 300 || r.status() >= 400) this.lastDoc = r;
      } else if (r.status() >= 400) {
        push({ kind: 'subresource', text: `subresource ${r.url()} answered ${r.status()}` }, req);
      }
    });
    page.on('console', (m) => {
      if (m.type() !== 'error' && !/Content.Security.Policy/i.test(m.text())) return;
      push({ kind: 'console', text: `console ${m.type()}: ${m.text()}${m.location().url ? ' (' + m.location().url + ')' : ''}`, raw: m.text(), url: m.location().url });
    });
    page.on('pageerror', (e) => push({ kind: 'pageerror', text: `page error: ${e.message}` }));
    page.on('requestfailed', (r) => {
      if (r.isNavigationRequest() && r.frame() === page.mainFrame()) return; // a navigation replaced by the next one
      push({ kind: 'requestfailed', text: `request failed: ${r.url()} (${r.failure()?.errorText})` }, r);
    });
  }

  async close() { await this.ctx?.close().catch(() => {}); }

  url(p) { return new URL(p, BASE).href; }

  /** page.goto; returns the final response (after redirects). */
  async goto(p) {
    const res = await this.page.goto(this.url(p), { waitUntil: 'load', timeout: 30_000 });
    return res;
  }

  /** Runs an action that navigates (a form submit) and returns the final document response. */
  async navigate(action) {
    this.lastDoc = null;
    const committed = this.page.waitForEvent('framenavigated', { predicate: (f) => f === this.page.mainFrame(), timeout: 30_000 });
    await action();
    await committed;
    await this.page.waitForLoadState('load');
    for (let i = 0; !this.lastDoc && i < 50; i++) await new Promise((r) => setTimeout(r, 20));
    if (!this.lastDoc) throw new Error(`no document response after the action on ${this.page.url()}`);
    return this.lastDoc;
  }

  /** Submits the form that holds `selector` (its submit button) and returns the final response. */
  submit(formSelector = 'main form:has(input[name=csrf]) button[type=submit]') {
    return this.navigate(() => this.page.locator(formSelector).first().click());
  }

  /** Console, CSP and request problems since the last reset, without the expected status of the document itself. */
  problems(finalUrl, status, gen) {
    const doc = finalUrl.split('#')[0];
    return [...new Set(this.events.filter((e) => e.gen >= gen).filter((e) => {
      if (e.kind === 'console' && e.url && e.url.split('#')[0] === doc && /Failed to load resource: the server responded with a status of (\d+)/.test(e.raw)) {
        return Number(RegExp.$1) !== status;
      }
      return true;
    }).map((e) => e.text))];
  }
}

/** Back to the start of the document, as after a fresh load: no fragment, scrolled to the top, nothing focused. */
async function rewindFocus(page) {
  await page.evaluate(() => {
    if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
    window.scrollTo(0, 0);
    const b = document.body;
    b.tabIndex = -1;
    b.focus({ preventScroll: true });
    b.removeAttribute('tabindex');
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  });
}

// ---------------------------------------------------------------------------------------------
// Page-level expectations used by the flows (what makes a state that state)

async function textOf(page, selector) {
  const loc = page.locator(selector);
  return (await loc.count()) ? (await loc.allTextContents()).join(' ') : '';
}

/** Checks the h1 (message key) and that each message key (or regexp) occurs in the selector's text. */
function expects({ h1, has = [], selector = 'main', count = [] } = {}) {
  return async (page, lang) => {
    const problems = [];
    if (h1) {
      const got = (await textOf(page, 'h1')).replace(/\s+/g, ' ').trim();
      const want = h1.startsWith('=') ? h1.slice(1) : msg(lang, h1);
      if (got !== want) problems.push(`<h1> is "${got}", expected "${want}" (${h1})`);
    }
    const text = await textOf(page, selector);
    for (const key of has) {
      const ok = key instanceof RegExp ? key.test(text) : textMatches(text, msg(lang, key));
      if (!ok) problems.push(`${selector} does not contain ${key instanceof RegExp ? key : `"${msg(lang, key)}" (${key})`}`);
    }
    for (const [sel, min, what] of count) {
      const n = await page.locator(sel).count();
      if (n < min) problems.push(`expected at least ${min} × ${sel} (${what}), found ${n}`);
    }
    return problems;
  };
}

// ---------------------------------------------------------------------------------------------
// The checks of one state: the same as 10-html, 20-pages and 30-keyboard do for public pages.

function slugOf(text) { return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); }

/**
 * Declares one state: `go(session)` reaches it (returns the document response); then every check
 * runs on the page as it is (a POST result cannot be reloaded).
 * step: { id, title, lang, route, status, go, expect, errorSummary, wait }
 */
function state(flow, step) {
  const name = `staff_${flow.id}_${step.id}${step.lang === 'en' ? '.en' : ''}`;
  describe(`${step.title} [${step.lang}] (${step.route})`, { concurrency: 1 }, () => {
    let s;
    let res;
    let docGen = 0;
    let html = '';
    let url = '';
    let page;
    const label = () => `${url} — ${step.title} [${step.lang}]`;
    const fail = (check, problems, extra = {}) => {
      recordFinding(check, url, { state: `${flow.id}/${step.id}`, title: step.title, lang: step.lang, problems, ...extra });
      throw failure(report(check, label(), problems));
    };

    before(async () => {
      if (step.wait) await within(step.wait(), step.title);
      await slots.acquire();
      debug(`${flow.id}/${step.id} [${step.lang}]: start`);
      s = flow.session;
      await s.open();
      page = s.page;
      await page.setViewportSize({ width: 320, height: 800 });
      s.events = [];
      res = await step.go(s);
      docGen = s.gen;
      url = page.url();
      html = await res.text().catch(() => '');
      visits.push({ path: new URL(url).pathname, status: res.status(), lang: step.lang, state: `${flow.id}/${step.id} [${step.lang}]` });
      debug(`${flow.id}/${step.id} [${step.lang}]: reached ${url} (HTTP ${res.status()})`);
    }, { timeout: 300_000 });
    after(() => { if (s) { slots.release(); debug(`${flow.id}/${step.id} [${step.lang}]: done`); } });

    it(`reaches the state: HTTP ${step.status}, route ${step.route}, text/html, the expected content`, TEST_TIMEOUT, async () => {
      const problems = [];
      if (res.status() !== step.status) problems.push(`HTTP status ${res.status()}, expected ${step.status}`);
      const ct = (await res.allHeaders())['content-type'] || '';
      if (!/^text\/html/.test(ct)) problems.push(`content-type ${ct}`);
      const r = matchRoute(routes, new URL(url).pathname);
      if (!r || r.path !== step.route) problems.push(`served by route ${r ? r.path : '(none)'}, expected ${step.route}`);
      if (step.expect) problems.push(...(await step.expect(page, step.lang)));
      if (problems.length) fail('staff-state', problems);
    });

    if (step.errorSummary) {
      it('error summary: focused after loading, every link leads to a field of the form', TEST_TIMEOUT, async () => {
        const r = await page.evaluate(() => {
          const sum = document.querySelector('.rp-error-summary');
          const a = document.activeElement;
          return {
            exists: !!sum,
            focused: !!sum && !!a && (a === sum || sum.contains(a)),
            active: a ? a.outerHTML.slice(0, 120) : null,
            links: sum ? [...sum.querySelectorAll('a[href^="#"]')].map((l) => {
              const t = document.getElementById(decodeURIComponent(l.getAttribute('href').slice(1)));
              return { href: l.getAttribute('href'), target: t ? t.localName : null, field: !!t && t.matches('input, select, textarea') };
            }) : [],
          };
        });
        const problems = [];
        if (!r.exists) problems.push('no .rp-error-summary on the page');
        else {
          if (!r.focused) problems.push(`the error summary is not focused after loading (focus is on ${r.active})`);
          if (!r.links.length) problems.push('the error summary has no link to a field');
          for (const l of r.links) if (!l.field) problems.push(`error summary link ${l.href} leads to ${l.target ? '<' + l.target + '>, not a form field' : 'no element'}`);
        }
        if (problems.length) fail('error-summary', problems);
      });
    }

    it('served HTML is valid (html-validate)', TEST_TIMEOUT, async () => {
      const { problems } = await checkHtml(html, `${step.title} [${step.lang}]`);
      if (!html) problems.push('empty response body');
      if (problems.length) fail('html-validate', problems);
    });

    it(`<html lang="${step.lang}">, one h1, title, skip link, landmarks header/nav/main/footer`, TEST_TIMEOUT, async () => {
      const { problems } = await checkStructure(page, { lang: step.lang });
      if (problems.length) fail('structure', problems);
    });

    it('no CSP violation, console error or failed request', TEST_TIMEOUT, async () => {
      const problems = s.problems(url, res.status(), docGen);
      if (problems.length) fail('console', problems);
    });

    it('reflow at 320px: no horizontal scrolling (screenshot)', TEST_TIMEOUT, async () => {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-320.png`), fullPage: true });
      const { problems } = await checkReflow(page);
      if (problems.length) fail('reflow-320', problems);
    });

    for (const width of [320, 1280]) {
      it(`axe-core WCAG 2.2 A/AA at ${width}px`, TEST_TIMEOUT, async () => {
        if (width !== 320) {
          await page.setViewportSize({ width, height: 800 });
          await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
        }
        const { problems, violations, incomplete } = await checkAxe(page);
        if (violations.length || incomplete.length) {
          fs.writeFileSync(path.join(AXE_DIR, `${name}-${width}.json`), JSON.stringify({ url, state: step.title, lang: step.lang, width, violations, incomplete }, null, 2));
        }
        if (problems.length) fail(`axe-${width}`, problems, { violations: violations.map((v) => v.id) });
      });
    }

    it('skip link: first Tab stop, visible on focus, Enter goes to main#main-content', TEST_TIMEOUT, async () => {
      await page.setViewportSize({ width: 1280, height: 800 });
      await rewindFocus(page);
      const { problems } = await checkSkipLink(page);
      if (problems.length) fail('skip-link', problems);
    });

    for (const width of [1280, 320]) {
      it(`Tab through the page at ${width}px: accessible name and visible focus at every stop`, TEST_TIMEOUT, async () => {
        await page.setViewportSize({ width, height: 800 });
        await rewindFocus(page);
        const { problems, steps } = await checkFocusWalk(page);
        fs.writeFileSync(path.join(TAB_DIR, `${name}-${width}.json`), JSON.stringify({ url, state: step.title, lang: step.lang, width, steps }, null, 2));
        if (steps.length === 0) problems.push('no element can be reached with Tab');
        if (problems.length) fail(`focus-${width}`, problems);
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Form helpers (flows; the keyboard journeys below use no mouse and no fill())

async function login(s, email, password, lang) {
  await s.goto(`/verwaltung/anmelden${lang === 'en' ? '?lang=en' : '?lang=de'}`);
  await s.page.locator('#email').fill(email);
  await s.page.locator('#password').fill(password);
  return s.submit();
}

/** The base32 TOTP secret shown in a <code> on the enrolment page (grouped in blocks of 4). */
async function totpSecret(page) {
  for (const t of await page.locator('main code').allTextContents()) {
    const clean = t.replace(/\s+/g, '');
    if (/^[A-Z2-7]{16,}=*$/.test(clean)) return clean;
  }
  throw new Error('no base32 secret in a <code> element on ' + page.url());
}

let clock; // TotpClock of the admin
const langQ = (lang) => `?lang=${lang}`;

// ---------------------------------------------------------------------------------------------
// The flows

const flows = [];
function flow(id, title, sessionOptions, steps) {
  const f = { id, title, session: new Session(id, sessionOptions), steps };
  flows.push(f);
  return f;
}

const LANGS = ['de', 'en'];

if (env.ready) {
  // Signing in: the empty form, field errors, a wrong password — per language.
  flow('login', 'sign-in form', {}, LANGS.flatMap((lang) => [
    { id: 'empty', title: 'login form, empty', lang, route: '/verwaltung/anmelden', status: 200,
      go: (s) => s.goto('/verwaltung/anmelden' + langQ(lang)),
      expect: expects({ h1: 'staff-login-title', count: [['#email', 1, 'e-mail field'], ['#password', 1, 'password field']] }) },
    { id: 'errors', title: 'login form, submitted empty (field errors)', lang, route: '/verwaltung/anmelden', status: 422, errorSummary: true,
      go: (s) => s.submit(),
      expect: expects({ h1: 'staff-login-title', has: ['error-summary-title', 'staff-error-email-missing', 'staff-error-password-missing'] }) },
    { id: 'wrong-password', title: 'login form, wrong password', lang, route: '/verwaltung/anmelden', status: 422, errorSummary: true,
      go: async (s) => {
        await s.page.locator('#email').fill(env.editor);
        await s.page.locator('#password').fill('falsches-Passwort-' + lang);
        return s.submit();
      },
      expect: expects({ h1: 'staff-login-title', has: ['staff-error-login-failed'] }) },
  ]));

  // An editor of the municipality: the event list, the empty and the invalid form, a new
  // event and its editor page (which also holds the moderation decisions).
  flow('events', 'events in the staff area (editor)', {}, [
    { id: 'events-login', title: 'dashboard (editor)', lang: 'de', route: '/verwaltung', status: 200,
      go: (s) => login(s, env.editor, env.password, 'de'),
      expect: expects({ h1: 'staff-dashboard-title', count: [[`main a[href="/verwaltung/${M}/veranstaltungen"]`, 1, 'link to the events']] }) },
    ...LANGS.flatMap((lang) => [
      { id: 'events-list', title: `events of ${M} (waiting for review)`, lang, route: '/verwaltung/{municipality}/veranstaltungen', status: 200,
        go: (s) => s.goto(`/verwaltung/${M}/veranstaltungen` + langQ(lang)),
        expect: expects({ h1: 'staff-events' }) },
      { id: 'events-all', title: `events of ${M} (all)`, lang, route: '/verwaltung/{municipality}/veranstaltungen', status: 200,
        go: (s) => s.goto(`/verwaltung/${M}/veranstaltungen?status=alle` + (lang === 'de' ? '' : '&lang=' + lang)),
        expect: expects({ h1: 'staff-events', has: [/\(Demo\)/] }) },
      { id: 'event-new', title: 'new event form', lang, route: '/verwaltung/{municipality}/veranstaltungen/neu', status: 200,
        go: (s) => s.goto(`/verwaltung/${M}/veranstaltungen/neu` + langQ(lang)),
        expect: expects({ h1: 'staff-event-new', count: [['#title', 1, 'title field'], ['#start_date', 1, 'start date']] }) },
      { id: 'event-new-errors', title: 'new event form, submitted empty (field errors)', lang, route: '/verwaltung/{municipality}/veranstaltungen', status: 422, errorSummary: true,
        go: (s) => s.submit(`main form[action="/verwaltung/${M}/veranstaltungen"] button[type=submit]`),
        expect: expects({ has: ['error-summary-title', 'event-error-title-missing', 'event-error-venue-missing'] }) },
      { id: 'event-created', title: 'event editor after saving a new event (notice, decisions)', lang, route: '/verwaltung/{municipality}/veranstaltungen/{id}', status: 200,
        go: async (s) => {
          await s.page.locator('#title').fill(`E2E Konzert ${lang}`);
          await s.page.locator('#start_date').fill('2031-05-17');
          await s.page.locator('#start_time').fill('19:30');
          await s.page.locator('#venue_name').fill('Kulturhaus');
          await s.page.locator('#categories').check();
          return s.submit(`main form[action="/verwaltung/${M}/veranstaltungen"] button[type=submit]`);
        },
        expect: expects({ h1: `=E2E Konzert ${lang}`, has: ['staff-event-saved', 'staff-event-decision'] }) },
      // The same event repeats: its dates are listed, one of them is cancelled on its own page.
      { id: 'event-recurring', title: 'event editor of a repeating event (list of dates)', lang, route: '/verwaltung/{municipality}/veranstaltungen/{id}', status: 200,
        go: async (s) => {
          await s.page.locator('#rrule').fill('FREQ=WEEKLY;COUNT=5');
          await s.page.locator('#exdates').fill('2031-05-24');
          return s.submit('main form:has(#rrule) button[type=submit]');
        },
        expect: expects({ h1: `=E2E Konzert ${lang}`, has: ['staff-event-saved', 'staff-dates', 'staff-date-state-removed'], count: [['main a[href*="/termine/2031-05-31T19:30"]', 1, 'link to a date']] }) },
      { id: 'event-date', title: 'one date of a repeating event', lang, route: '/verwaltung/{municipality}/veranstaltungen/{id}/termine/{date}', status: 200,
        go: (s) => s.navigate(() => s.page.locator('main a[href*="/termine/2031-05-31T19:30"]').first().click()),
        expect: expects({ has: ['staff-date-decision', 'staff-date-save'], count: [['#decision-planned:checked', 1, 'takes place'], ['#date', 1, 'date field']] }) },
      { id: 'event-date-errors', title: 'one date, submitted without a day or time (field errors)', lang, route: '/verwaltung/{municipality}/veranstaltungen/{id}/termine/{date}', status: 422, errorSummary: true,
        go: async (s) => {
          await s.page.locator('#date').fill('');
          await s.page.locator('#start_time').fill('');
          return s.submit('main form:has(#decision-planned) button[type=submit]');
        },
        expect: expects({ has: ['error-summary-title', 'event-error-date', 'event-error-time'] }) },
      { id: 'event-date-cancelled', title: 'event editor after cancelling one date (notice)', lang, route: '/verwaltung/{municipality}/veranstaltungen/{id}', status: 200,
        go: async (s) => {
          await s.page.locator('#decision-cancelled').check();
          await s.page.locator('#date').fill('2031-05-31');
          await s.page.locator('#start_time').fill('19:30');
          return s.submit('main form:has(#decision-planned) button[type=submit]');
        },
        expect: expects({ has: ['staff-date-saved', 'staff-date-state-cancelled'] }) },
    ]),
  ]);

  // A trusted organiser: their own events only, published without review, no decisions.
  flow('organiser', 'events of a trusted organiser', {}, [
    { id: 'organiser-login', title: 'dashboard (trusted organiser)', lang: 'de', route: '/verwaltung', status: 200,
      go: (s) => login(s, env.organiser, env.password, 'de'),
      expect: expects({ h1: 'staff-dashboard-title', has: ['staff-events-own'], count: [[`main a[href="/verwaltung/${M}/veranstaltungen"]`, 1, 'link to their events']] }) },
    ...LANGS.flatMap((lang) => [
      { id: 'organiser-list', title: 'my events (trusted organiser)', lang, route: '/verwaltung/{municipality}/veranstaltungen', status: 200,
        go: (s) => s.goto(`/verwaltung/${M}/veranstaltungen` + langQ(lang)),
        expect: expects({ h1: 'staff-events-own', has: ['staff-events-own-intro'] }) },
      { id: 'organiser-created', title: 'editor of an organiser\'s own event (no decisions)', lang, route: '/verwaltung/{municipality}/veranstaltungen/{id}', status: 200,
        go: async (s) => {
          await s.goto(`/verwaltung/${M}/veranstaltungen/neu` + langQ(lang));
          await s.page.locator('#title').fill(`E2E Theater ${lang}`);
          await s.page.locator('#start_date').fill('2031-06-14');
          await s.page.locator('#start_time').fill('19:30');
          await s.page.locator('#venue_name').fill('Großes Haus');
          await s.page.locator('#categories').check();
          return s.submit(`main form[action="/verwaltung/${M}/veranstaltungen"] button[type=submit]`);
        },
        expect: expects({ h1: `=E2E Theater ${lang}`, has: ['staff-event-saved', 'staff-event-image'] }) },
    ]),
  ]);

  // The municipality administrator: first sign-in with TOTP enrolment, then the admin pages.
  const adminSteps = [
    { id: 'totp-required', title: 'TOTP enrolment (required at first sign-in)', lang: 'de', route: '/verwaltung/konto/zwei-faktor', status: 200,
      go: (s) => login(s, env.admin, env.password, 'de'),
      expect: expects({ h1: 'staff-totp-title', has: ['staff-mfa-required'], count: [['main img[alt]', 1, 'QR code'], ['main code', 1, 'secret']] }) },
    { id: 'totp-error', title: 'TOTP enrolment, wrong code', lang: 'de', route: '/verwaltung/konto/zwei-faktor', status: 422, errorSummary: true,
      go: async (s) => {
        clock = new TotpClock(await totpSecret(s.page));
        await s.page.locator('#code').fill(clock.wrong());
        return s.submit();
      },
      expect: expects({ h1: 'staff-totp-title', has: ['staff-error-code'] }) },
    { id: 'totp-required', title: 'TOTP enrolment (required at first sign-in)', lang: 'en', route: '/verwaltung/konto/zwei-faktor', status: 200,
      go: (s) => s.goto('/verwaltung/konto/zwei-faktor?lang=en'),
      expect: expects({ h1: 'staff-totp-title', has: ['staff-mfa-required'] }) },
    { id: 'totp-error', title: 'TOTP enrolment, wrong code', lang: 'en', route: '/verwaltung/konto/zwei-faktor', status: 422, errorSummary: true,
      go: async (s) => { await s.page.locator('#code').fill(clock.wrong()); return s.submit(); },
      expect: expects({ h1: 'staff-totp-title', has: ['staff-error-code'] }) },
    { id: 'recovery', title: 'recovery codes after enrolment', lang: 'en', route: '/verwaltung/konto/zwei-faktor', status: 200,
      go: async (s) => {
        try {
          await s.page.locator('#code').fill(await clock.next());
          const r = await s.submit();
          if (r.status() === 200) enrolled.resolve(); else enrolled.reject(new Error(`TOTP enrolment answered ${r.status()}`));
          return r;
        } catch (e) { enrolled.reject(e); throw e; }
      },
      expect: expects({ h1: 'staff-recovery-title', has: ['staff-totp-enabled'], count: [['main li code', 10, 'recovery codes']] }) },
  ];
  const adminRound = (lang) => [

      { id: 'dashboard-admin', title: 'dashboard (municipality admin)', lang, route: '/verwaltung', status: 200,
        go: (s) => s.goto('/verwaltung' + langQ(lang)),
        expect: expects({ h1: 'staff-dashboard-title', count: [[`main a[href="/verwaltung/${M}/benutzer"]`, 1, 'link to the users page'], [`main a[href="/verwaltung/${M}/zugangsschluessel"]`, 1, 'link to the tokens page']] }) },
      { id: 'users', title: `users of ${M}`, lang, route: '/verwaltung/{municipality}/benutzer', status: 200,
        go: (s) => s.goto(`/verwaltung/${M}/benutzer` + langQ(lang)),
        expect: expects({ h1: 'staff-users', has: [new RegExp(env.editor.replace(/[.]/g, '\\.'))] }) },
      { id: 'users-error', title: `users of ${M}, submitted without e-mail (field error)`, lang, route: '/verwaltung/{municipality}/benutzer', status: 422, errorSummary: true,
        go: async (s) => { await s.page.locator('#display_name').fill('Ohne Adresse'); return s.submit(`main form[action="/verwaltung/${M}/benutzer"] button[type=submit]`); },
        expect: expects({ h1: 'staff-users', has: ['error-summary-title', 'staff-error-email-invalid'] }) },
      { id: 'users-invited', title: `users of ${M}, after inviting a person (notice)`, lang, route: '/verwaltung/{municipality}/benutzer', status: 200,
        go: async (s) => {
          try {
            await s.page.locator('#email').fill(INVITEE[lang]);
            await s.page.locator('#display_name').fill(`E2E ${lang}`);
            if (await s.page.locator('#role option[value="editor"]').count()) await s.page.locator('#role').selectOption('editor');
            const r = await s.submit(`main form[action="/verwaltung/${M}/benutzer"] button[type=submit]`);
            invited[lang].resolve();
            return r;
          } catch (e) { invited[lang].reject(e); throw e; }
        },
        expect: expects({ h1: 'staff-users', selector: 'main', has: ['staff-notice-invited', new RegExp(INVITEE[lang].replace(/[.]/g, '\\.'))], count: [['main .rp-notification-banner[role=status]', 1, 'notice banner']] }) },
      { id: 'tokens', title: `access tokens of ${M}`, lang, route: '/verwaltung/{municipality}/zugangsschluessel', status: 200,
        go: (s) => s.goto(`/verwaltung/${M}/zugangsschluessel` + langQ(lang)),
        expect: expects({ h1: 'staff-tokens', count: [['#name', 1, 'name field']] }) },
      { id: 'token-created', title: `access tokens of ${M}, token created (shown once)`, lang, route: '/verwaltung/{municipality}/zugangsschluessel', status: 201,
        go: async (s) => { await s.page.locator('#name').fill(`Website ${M} (e2e ${lang})`); return s.submit(`main form[action="/verwaltung/${M}/zugangsschluessel"] button[type=submit]`); },
        expect: expects({ h1: 'staff-tokens', has: ['staff-token-created', /rp_\S+/], count: [['main .rp-table tbody tr', 1, 'token row']] }) },
      { id: 'audit-filtered', title: 'audit log, filtered (municipality, who, kind, from date)', lang, route: '/verwaltung/protokoll', status: 200,
        go: async (s) => {
          await s.goto('/verwaltung/protokoll' + langQ(lang));
          await s.page.locator('#municipality').selectOption(M);
          await s.page.locator('#actor').fill(env.admin);
          await s.page.locator('#entity').fill('api_token');
          await s.page.locator('#from').fill(new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' }));
          return s.submit('main form[action="/verwaltung/protokoll"] button[type=submit]');
        },
        expect: expects({ h1: 'staff-audit-title', count: [['main .rp-table tbody tr', 1, 'audit entries']] }) },
      { id: 'audit-empty', title: 'audit log, filter without result', lang, route: '/verwaltung/protokoll', status: 200,
        go: async (s) => {
          await s.page.locator('#actor').fill('niemand-' + Date.now());
          return s.submit('main form[action="/verwaltung/protokoll"] button[type=submit]');
        },
        expect: expects({ h1: 'staff-audit-title', has: ['staff-audit-none'] }) },
  ];
  adminSteps.push(...adminRound('en'));
  for (const lang of LANGS) {
    // The Bürgerservice editor of the municipality: every field "from the region", then an
    // override that does not parse (422, input kept, error summary).
    adminSteps.push({ id: 'service-local', title: 'Bürgerservice: local editor of a service', lang, route: '/verwaltung/{municipality}/buergerservice/{service_slug}', status: 200,
      go: (s) => s.goto(`/verwaltung/${M}/buergerservice/hundesteuer` + langQ(lang)),
      expect: expects({ has: ['staff-services-from-region', 'staff-services-save'] }) });
    adminSteps.push({ id: 'service-local-error', title: 'Bürgerservice: local editor, a fee that is no fee', lang, route: '/verwaltung/{municipality}/buergerservice/{service_slug}', status: 422, errorSummary: true,
      go: async (s) => {
        await s.page.locator('#override-fees').check();
        await s.page.locator('#field-fees').fill('viel Geld');
        return s.submit('main form:has(#field-fees) button[type=submit]');
      },
      expect: expects({ has: ['error-summary-title'] }) });
    adminSteps.push({ id: 'service-master-forbidden', title: '403: municipality administrator opens a master text', lang, route: '/verwaltung/buergerservice/{service_slug}', status: 403,
      go: (s) => s.goto('/verwaltung/buergerservice/hundesteuer' + langQ(lang)),
      expect: expects({ h1: 'error-title-403' }) });
    // The region's master texts belong to region editors: a municipality administrator is refused.
    adminSteps.push({ id: 'region-services-forbidden', title: '403: municipality administrator opens the region\'s master texts', lang, route: '/verwaltung/buergerservice', status: 403,
      go: (s) => s.goto('/verwaltung/buergerservice' + langQ(lang)),
      expect: expects({ h1: 'error-title-403' }) });
  }
  for (const lang of LANGS) {
    // Offices, contacts and responsibilities of the municipality: each form, and each with a
    // field error (422, error summary, the editor's input kept).
    const office = `/verwaltung/${M}/aemter/h35`;
    adminSteps.push({ id: 'office', title: 'office: details, hours preview, contacts, responsibilities', lang, route: '/verwaltung/{municipality}/aemter/{office}', status: 200,
      go: (s) => s.goto(office + langQ(lang)),
      expect: expects({ has: ['staff-offices-preview', 'staff-offices-assignments'] }) });
    adminSteps.push({ id: 'office-error', title: 'office: unreadable opening hours', lang, route: '/verwaltung/{municipality}/aemter/{office}', status: 422, errorSummary: true,
      go: async (s) => {
        await s.page.locator('#office-weekly').fill('Xy 09:00-10:00');
        return s.submit('main form:has(#office-weekly) button[type=submit]');
      },
      expect: expects({ has: ['error-summary-title', 'staff-offices-office-bad-hours'] }) });
    adminSteps.push({ id: 'contact-new', title: 'office: new contact', lang, route: '/verwaltung/{municipality}/aemter/{office}/ansprechpartner/neu', status: 200,
      go: (s) => s.goto(`${office}/ansprechpartner/neu` + langQ(lang)),
      expect: expects({ has: ['staff-offices-contact-show-name'] }) });
    adminSteps.push({ id: 'contact-new-error', title: 'office: new contact without a function', lang, route: '/verwaltung/{municipality}/aemter/{office}/ansprechpartner', status: 422, errorSummary: true,
      go: (s) => s.submit('main form:has(#contact-function) button[type=submit]'),
      expect: expects({ has: ['error-summary-title', 'staff-offices-office-missing'] }) });
    adminSteps.push({ id: 'contact-edit', title: 'office: a contact', lang, route: '/verwaltung/{municipality}/aemter/{office}/ansprechpartner/{id}', status: 200,
      go: async (s) => {
        await s.goto(office + langQ(lang));
        const href = await s.page.locator('main a[href*="/ansprechpartner/"]:not([href$="/neu"])').first().getAttribute('href');
        return s.goto(href + langQ(lang));
      },
      expect: expects({ has: ['staff-offices-contact-function'] }) });
    adminSteps.push({ id: 'assignment-new', title: 'office: new responsibility', lang, route: '/verwaltung/{municipality}/aemter/{office}/zustaendigkeiten/neu', status: 200,
      go: (s) => s.goto(`${office}/zustaendigkeiten/neu` + langQ(lang)),
      expect: expects({ has: ['staff-offices-kind-postcodes'] }) });
    adminSteps.push({ id: 'assignment-error', title: 'office: a postcode not of the municipality', lang, route: '/verwaltung/{municipality}/aemter/{office}/zustaendigkeiten', status: 422, errorSummary: true,
      go: async (s) => {
        await s.page.locator('#assignment-service').selectOption({ index: 1 });
        await s.page.locator('#assignment-kind-postcodes').check();
        await s.page.locator('#assignment-values').fill('99999');
        return s.submit('main form:has(#assignment-values) button[type=submit]');
      },
      expect: expects({ has: ['error-summary-title', 'staff-offices-area-unknown-postcodes'] }) });
  }
  for (const lang of LANGS) {
    adminSteps.push({ id: 'account', title: 'account page (two sessions listed)', lang, route: '/verwaltung/konto', status: 200,
      wait: () => secondSession.promise,
      go: (s) => s.goto('/verwaltung/konto' + langQ(lang)),
      expect: expects({ h1: 'staff-account-title', has: ['staff-mfa-on'], count: [['main table tbody tr', 2, 'sessions'], ['main form[action$="/beenden"] button', 1, 'button to sign out the other session']] }) });
  }
  // Every GET route that no step above reaches and that needs no other parameter than
  // {municipality}: visited as the municipality administrator, with every check.
  const declared = new Set();
  const allDeclared = () => {
    for (const f of flows) for (const st of f.steps) declared.add(st.route);
  };

  const adminFlow = flow('admin', 'municipality administrator', {}, adminSteps);

  // The same pages in German, in a session of its own (signed in with password and TOTP code).
  const roundDe = adminRound('de');
  const firstGo = roundDe[0].go;
  roundDe[0] = { ...roundDe[0], wait: () => enrolled.promise,
    go: async (s) => {
      const r = await login(s, env.admin, env.password, 'de');
      if (new URL(r.url()).pathname !== '/verwaltung/anmelden/zweiter-faktor') throw new Error(`after the password, ${r.url()} (HTTP ${r.status()}) instead of the second-factor form`);
      await s.page.locator('#code').fill(await clock.next());
      await s.submit('main form[action="/verwaltung/anmelden/zweiter-faktor"] button[type=submit]');
      return firstGo(s);
    } };
  flow('admin-de', 'municipality administrator (German)', {}, roundDe);

  // The administrator's second session: the second-factor form and its error, then recovery codes again.
  flow('admin2', 'municipality administrator, second session', {}, [
    { id: 'mfa', title: 'second-factor form', lang: 'de', route: '/verwaltung/anmelden/zweiter-faktor', status: 200,
      wait: () => enrolled.promise,
      go: (s) => login(s, env.admin, env.password, 'de'),
      expect: expects({ h1: 'staff-mfa-title', count: [['#code', 1, 'code field']] }) },
    { id: 'mfa-error', title: 'second-factor form, wrong code', lang: 'de', route: '/verwaltung/anmelden/zweiter-faktor', status: 422, errorSummary: true,
      go: async (s) => { await s.page.locator('#code').fill(clock.wrong()); return s.submit('main form[action="/verwaltung/anmelden/zweiter-faktor"] button[type=submit]'); },
      expect: expects({ h1: 'staff-mfa-title', has: ['staff-error-code'] }) },
    { id: 'mfa', title: 'second-factor form', lang: 'en', route: '/verwaltung/anmelden/zweiter-faktor', status: 200,
      go: (s) => s.goto('/verwaltung/anmelden/zweiter-faktor?lang=en'),
      expect: expects({ h1: 'staff-mfa-title' }) },
    { id: 'mfa-error', title: 'second-factor form, wrong code', lang: 'en', route: '/verwaltung/anmelden/zweiter-faktor', status: 422, errorSummary: true,
      go: async (s) => { await s.page.locator('#code').fill(clock.wrong()); return s.submit('main form[action="/verwaltung/anmelden/zweiter-faktor"] button[type=submit]'); },
      expect: expects({ h1: 'staff-mfa-title', has: ['staff-error-code'] }) },
    { id: 'recovery', title: 'recovery codes (second factor set up again)', lang: 'de', route: '/verwaltung/konto/zwei-faktor', status: 200,
      go: async (s) => {
        try {
          await s.page.locator('#code').fill(await clock.next());
          const r = await s.submit('main form[action="/verwaltung/anmelden/zweiter-faktor"] button[type=submit]');
          if (new URL(r.url()).pathname !== '/verwaltung') throw new Error(`second factor accepted? landed on ${r.url()} (HTTP ${r.status()})`);
          secondSession.resolve();
        } catch (e) { secondSession.reject(e); throw e; }
        await s.goto('/verwaltung/konto/zwei-faktor?lang=de');
        await s.page.locator('#code').fill(await clock.next());
        return s.submit('main form[action="/verwaltung/konto/zwei-faktor"] button[type=submit]');
      },
      expect: expects({ h1: 'staff-recovery-title', count: [['main li code', 10, 'recovery codes']] }) },
  ]);

  // A region editor: the master texts, a new service (and its field errors), the links of a
  // service, the tree of life situations with a new one and a refused loop.
  flow('region', 'region editor', {}, [
    { id: 'region-login', title: 'dashboard (region editor)', lang: 'de', route: '/verwaltung', status: 200,
      go: (s) => login(s, env.region, env.password, 'de'),
      expect: expects({ h1: 'staff-dashboard-title', count: [['main a[href="/verwaltung/buergerservice"]', 1, 'link to the master texts']] }) },
    ...LANGS.flatMap((lang) => [
      { id: 'region-list', title: 'the region\'s master texts', lang, route: '/verwaltung/buergerservice', status: 200,
        go: (s) => s.goto('/verwaltung/buergerservice' + langQ(lang)),
        expect: expects({ has: ['staff-catalogue-new-service', 'staff-catalogue-life'] }) },
      { id: 'master', title: 'master text of a service, with its links', lang, route: '/verwaltung/buergerservice/{service_slug}', status: 200,
        go: (s) => s.goto('/verwaltung/buergerservice/hundesteuer' + langQ(lang)),
        expect: expects({ has: ['staff-catalogue-links', 'staff-catalogue-related'] }) },
      { id: 'service-new', title: 'new service form', lang, route: '/verwaltung/buergerservice/neu', status: 200,
        go: (s) => s.goto('/verwaltung/buergerservice/neu' + langQ(lang)),
        expect: expects({ h1: 'staff-catalogue-new-service' }) },
      { id: 'service-new-error', title: 'new service form, no name and a bad LeiKa key', lang, route: '/verwaltung/buergerservice', status: 422, errorSummary: true,
        go: async (s) => {
          await s.page.locator('#new-leika').fill('123');
          return s.submit('main form[action="/verwaltung/buergerservice"] button[type=submit]');
        },
        expect: expects({ has: ['error-summary-title', 'staff-catalogue-error-leika'] }) },
      { id: 'life-list', title: 'life situations', lang, route: '/verwaltung/buergerservice/lebenslagen', status: 200,
        go: (s) => s.goto('/verwaltung/buergerservice/lebenslagen' + langQ(lang)),
        expect: expects({ h1: 'staff-catalogue-life' }) },
      { id: 'life-new', title: 'new life situation', lang, route: '/verwaltung/buergerservice/lebenslagen/neu', status: 200,
        go: (s) => s.goto('/verwaltung/buergerservice/lebenslagen/neu' + langQ(lang)),
        expect: expects({ h1: 'staff-catalogue-life-new' }) },
      { id: 'life-new-error', title: 'new life situation, submitted empty', lang, route: '/verwaltung/buergerservice/lebenslagen', status: 422, errorSummary: true,
        go: (s) => s.submit('main form[action="/verwaltung/buergerservice/lebenslagen"] button[type=submit]'),
        expect: expects({ has: ['error-summary-title', 'staff-catalogue-error-life-name'] }) },
      { id: 'life-edit', title: 'a life situation with its services', lang, route: '/verwaltung/buergerservice/lebenslagen/{life_slug}', status: 200,
        go: (s) => s.goto('/verwaltung/buergerservice/lebenslagen/umzug' + langQ(lang)),
        expect: expects({ has: ['staff-catalogue-life-services'] }) },
    ]),
  ]);

  // An editor of the municipality: dashboard, and 403 on the users page.
  flow('editor', 'editor', {}, LANGS.flatMap((lang) => [
    { id: 'dashboard-editor', title: 'dashboard (editor)', lang, route: '/verwaltung', status: 200,
      go: async (s) => (lang === 'de' ? login(s, env.editor, env.password, 'de') : s.goto('/verwaltung?lang=en')),
      expect: async (page, l) => {
        const problems = await expects({ h1: 'staff-dashboard-title' })(page, l);
        if (await page.locator(`main a[href="/verwaltung/${M}/benutzer"]`).count()) problems.push('the editor\'s dashboard links to the users page');
        return problems;
      } },
    { id: 'forbidden', title: `403: editor opens the users page of ${M}`, lang, route: '/verwaltung/{municipality}/benutzer', status: 403,
      go: (s) => s.goto(`/verwaltung/${M}/benutzer` + langQ(lang)),
      expect: expects({ h1: 'error-title-403' }) },
  ]));

  // Forgotten password → mail → reset link → error → done → the link a second time (expired).
  for (const lang of LANGS) {
    let link;
    flow(`reset-${lang}`, `password reset (${lang})`, {}, [
      { id: 'forgot', title: 'forgot-password form', lang, route: '/verwaltung/passwort-vergessen', status: 200,
        go: (s) => s.goto('/verwaltung/passwort-vergessen' + langQ(lang)),
        expect: expects({ h1: 'staff-forgot-title', count: [['#email', 1, 'e-mail field']] }) },
      { id: 'forgot-sent', title: 'forgot-password form sent (notice)', lang, route: '/verwaltung/passwort-vergessen', status: 200,
        wait: () => invited[lang].promise,
        go: (s) => withMailLock(async () => {
          await s.page.locator('#email').fill(INVITEE[lang]);
          const r = await s.submit();
          for (let i = 0; i < 50; i++) {
            try { link = newestResetLink(env.outbox, INVITEE[lang]); break; } catch (e) { if (i === 49) throw e; await new Promise((res) => setTimeout(res, 100)); }
          }
          return r;
        }),
        expect: expects({ h1: 'staff-forgot-title', has: ['staff-forgot-sent'] }) },
      { id: 'reset', title: 'set-password page, from the link in the newest mail', lang, route: '/verwaltung/passwort-setzen/{token}', status: 200,
        go: (s) => s.goto(link.url),
        expect: expects({ h1: 'staff-reset-title', count: [['#password', 1, 'password field']] }) },
      { id: 'reset-error', title: 'set-password page, password too short', lang, route: '/verwaltung/passwort-setzen/{token}', status: 422, errorSummary: true,
        go: async (s) => { await s.page.locator('#password').fill('kurz'); return s.submit(); },
        expect: expects({ h1: 'staff-reset-title', has: ['staff-error-password-short'] }) },
      { id: 'reset-done', title: 'set-password page, password saved (notice)', lang, route: '/verwaltung/passwort-setzen/{token}', status: 200,
        go: async (s) => { await s.page.locator('#password').fill(NEW_PASSWORD); return s.submit(); },
        expect: expects({ h1: 'staff-reset-title', has: ['staff-reset-done'] }) },
      { id: 'expired', title: 'expired link (the reset link a second time)', lang, route: '/verwaltung/passwort-setzen/{token}', status: 404,
        go: (s) => s.goto(link.url),
        expect: expects({ h1: 'staff-reset-title', has: ['staff-reset-expired'] }) },
    ]);
  }

  allDeclared();
  for (const r of getRoutes) {
    if (r.access === 'public_page' || declared.has(r.path)) continue;
    const params = routeParams(r.path);
    if (params.some((p) => p !== 'municipality')) continue; // reached only through a flow: the coverage test names it
    const p = r.path.replace('{municipality}', M);
    for (const lang of LANGS) {
      adminFlow.steps.push({ id: 'auto-' + slugOf(r.path), title: `GET ${r.path} (not covered by a flow: visited as admin)`, lang, route: r.path, status: 200,
        go: (s) => s.goto(p + langQ(lang)) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Keyboard-only journeys: Tab to the e-mail field, type, Tab to the password, type, Enter.

async function keyboardLogin(s, lang, js) {
  const page = s.page;
  const log = [];
  const problems = [];
  // Without JavaScript no frame callback runs in the page: the helpers skip waiting for frames,
  // and we give the styles a moment from here.
  const helpers = async () => {
    await installHelpers(page);
    if (!js) await page.evaluate(() => { window.__rpE2ENoFrames = true; });
    await page.evaluate(() => window.__rpE2E.snapshotUnfocused());
  };
  const stop = async (what) => {
    if (!js) await page.waitForTimeout(50);
    const info = await page.evaluate(() => window.__rpE2E.focusInfo());
    if (info.atBody) { problems.push(`${what}: nothing is focused`); return info; }
    log.push({ what, selector: info.selector, name: info.name, indicator: info.indicator.outline ? 'outline' : info.indicator.shadow ? 'box-shadow' : info.indicator.background ? 'background' : 'none' });
    if (!info.name) problems.push(`${what}: ${info.selector} has no accessible name`);
    if (!info.indicator.ok) problems.push(`${what}: ${info.selector}  ${info.html} has no visible focus style`);
    if (!info.visible) problems.push(`${what}: ${info.selector} is not visible on screen while focused`);
    else if (info.obscuredBy) problems.push(`${what}: ${info.selector} is covered by ${info.obscuredBy}`);
    return info;
  };
  await page.setViewportSize({ width: 1280, height: 800 });
  const res = await s.goto('/verwaltung/anmelden' + langQ(lang));
  assert.equal(res.status(), 200, 'GET /verwaltung/anmelden');
  await helpers();
  const emailName = msg(lang, 'staff-email');
  const passwordName = msg(lang, 'staff-password');
  let info;
  for (let i = 1; i <= 40; i++) {
    await page.keyboard.press('Tab');
    info = await stop(`Tab ${i}`);
    if (info.atBody || (await page.evaluate(() => document.activeElement?.id)) === 'email') break;
  }
  if (await page.evaluate(() => document.activeElement?.id) !== 'email') {
    throw failure(`keyboard journey [${lang}]: Tab never reached the e-mail field #email\n${JSON.stringify(log, null, 2)}`);
  }
  if (info.name !== emailName) problems.push(`the e-mail field's accessible name is "${info.name}", expected "${emailName}"`);
  await page.keyboard.type(env.editor);
  await page.keyboard.press('Tab');
  info = await stop('Tab from the e-mail field');
  if ((await page.evaluate(() => document.activeElement?.id)) !== 'password') problems.push(`Tab from the e-mail field goes to ${info.selector}, not to the password field #password`);
  if (info.name !== passwordName) problems.push(`the password field's accessible name is "${info.name}", expected "${passwordName}"`);
  await page.keyboard.type(env.password);
  const after = await s.navigate(() => page.keyboard.press('Enter'));
  const landed = new URL(page.url()).pathname;
  if (after.status() !== 200 || landed !== '/verwaltung') problems.push(`Enter in the password field led to ${page.url()} (HTTP ${after.status()}), expected the dashboard /verwaltung`);
  const h1 = (await textOf(page, 'h1')).trim();
  if (h1 !== msg(lang, 'staff-dashboard-title')) problems.push(`the page after signing in has <h1> "${h1}", expected "${msg(lang, 'staff-dashboard-title')}"`);
  const lang2 = await page.locator('html').getAttribute('lang');
  if (lang2 !== lang) problems.push(`the dashboard is in <html lang="${lang2}">, expected ${lang}`);
  // On the dashboard, the first Tab stop is again the skip link, focused visibly.
  await helpers();
  await page.keyboard.press('Tab');
  const first = await stop('first Tab on the dashboard');
  if (!first.isSkipLink) problems.push(`first Tab stop on the dashboard is ${first.selector}, not the skip link`);
  visits.push({ path: landed, status: after.status(), lang, state: `keyboard journey [${lang}]` });
  return { problems, log };
}

// ---------------------------------------------------------------------------------------------

describe('staff area (/verwaltung)', { concurrency: 16 }, () => {
  before(async () => {
    if (!env.ready) return;
    browser = await launchBrowser();
  });
  after(async () => {
    await Promise.all(flows.map((f) => f.session.close()));
    await browser?.close();
  });

  if (!env.ready) {
    it('needs the seeded server of e2e/run', { skip: `missing ${env.missing.join(', ')}: run the staff suite through \`bash e2e/run\` (it seeds the accounts and writes the route list)` }, () => {});
    return;
  }

  for (const f of flows) {
    describe(`${f.title}`, { concurrency: 1 }, () => {
      for (const step of f.steps) state(f, step);
    });
  }

  for (const js of [true, false]) {
    describe(`keyboard-only sign-in ${js ? 'with' : 'without'} JavaScript`, { concurrency: 1 }, () => {
      const s = new Session(`keyboard-${js ? 'js' : 'nojs'}`, { javaScriptEnabled: js });
      flows.push({ session: s, steps: [] }); // closed with the others
      for (const lang of LANGS) {
        it(`[${lang}] Tab to e-mail, type, Tab to password, type, Enter: dashboard; visible focus and name at each stop`, { timeout: 120_000 }, async () => {
          await slots.acquire();
          try {
            await s.open();
            await s.ctx.clearCookies();
            const { problems, log } = await keyboardLogin(s, lang, js);
            fs.writeFileSync(path.join(TAB_DIR, `staff_keyboard-login-${js ? 'js' : 'nojs'}.${lang}.json`), JSON.stringify(log, null, 2));
            if (problems.length) {
              recordFinding(`keyboard-journey${js ? '' : '-nojs'}`, BASE + '/verwaltung/anmelden', { lang, problems });
              throw failure(report(`keyboard sign-in ${js ? 'with' : 'without'} JavaScript [${lang}]`, BASE + '/verwaltung/anmelden' + langQ(lang), problems));
            }
          } finally {
            slots.release();
          }
        });
      }
    });
  }
});

describe('every GET route of `regioportal routes` was rendered and checked', () => {
  if (!env.ready) return;
  it('the route list has the staff area and public pages', () => {
    assert.ok(getRoutes.some((r) => r.path.startsWith('/verwaltung')), 'no /verwaltung GET route in `regioportal routes`');
    assert.ok(getRoutes.some((r) => r.access === 'public_page'), 'no public_page route in `regioportal routes`');
  });

  it('each staff GET route was checked in German and English; each public page route is in the sitemap', async () => {
    const pages = await discoverPages();
    const missing = [];
    for (const r of getRoutes) {
      if (r.access === 'public_page') {
        if (!pages.some((p) => p.status === 200 && matchRoute(routes, new URL(p.url).pathname) === r)) missing.push(`${r.path} (public page): no page of /sitemap.xml is served by it`);
        continue;
      }
      const seen = visits.filter((v) => matchRoute(routes, v.path) === r);
      for (const lang of LANGS) {
        if (seen.length && !seen.some((v) => v.lang === lang)) missing.push(`GET ${r.path} (${r.access}) was checked, but never in [${lang}]`);
      }
      if (!seen.length) {
        const params = routeParams(r.path).filter((p) => p !== 'municipality');
        missing.push(`GET ${r.path} (${r.access}) was never rendered${params.length ? ` — it needs {${params.join('}, {')}}: add the flow that produces it to e2e/tests/50-staff.test.js` : ''}`);
      }
    }
    if (missing.length) throw failure(`GET routes not covered:\n${missing.map((m) => '  - ' + m).join('\n')}`);
  });
});
