// Every page (German and English, and the error states) in a real browser with the server's
// real CSP: layout and language, no CSP violations or failed requests, reflow at 320px,
// screenshots at 320px and 1280px, and axe-core (WCAG 2.2 A/AA) at both widths.
import { describe, it, before, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, SCREENSHOTS, CONCURRENCY, failure, recordFinding } from '../lib/env.js';
import { discoverPages } from '../lib/pages.js';
import { launchBrowser, contextOptions } from '../lib/browser.js';
import { checkStructure, checkReflow, checkAxe, report } from '../lib/checks.js';

const pages = await discoverPages();
const AXE_DIR = path.join(ARTIFACTS, 'axe');
fs.mkdirSync(AXE_DIR, { recursive: true });

let browser;

function fail(check, p, problems, extra = {}) {
  recordFinding(check, p.url, { problems, ...extra });
  throw failure(report(check, p.url, problems));
}

describe('pages in the browser', { concurrency: CONCURRENCY }, () => {
  before(async () => { browser = await launchBrowser(); });
  after(async () => { await browser?.close(); });

  for (const p of pages) {
    describe(p.path, { concurrency: 1 }, () => {
      let ctx;
      let page;
      let response;
      const events = [];

      before(async () => {
        ctx = await browser.newContext(contextOptions({ viewport: { width: 320, height: 800 } }));
        page = await ctx.newPage();
        page.on('console', (m) => {
          if (m.type() !== 'error' && !/Content.Security.Policy/i.test(m.text())) return;
          // The main document of an error page answers 404 on purpose; Chromium logs that.
          if (p.status !== 200 && m.location().url === p.url && /status of 404/.test(m.text())) return;
          events.push(`console ${m.type()}: ${m.text()}${m.location().url ? ' (' + m.location().url + ')' : ''}`);
        });
        page.on('pageerror', (e) => events.push(`page error: ${e.message}`));
        page.on('requestfailed', (r) => events.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
        page.on('response', (r) => {
          if (r.url() !== p.url && r.status() >= 400) events.push(`subresource ${r.url()} answered ${r.status()}`);
        });
        response = await page.goto(p.url, { waitUntil: 'load', timeout: 30_000 });
      });
      after(async () => { await ctx?.close(); });

      it(`HTTP ${p.status}, <html lang="${p.lang}">, one h1, title, skip link, landmarks header/nav/main/footer`, async () => {
        const problems = [];
        if (response.status() !== p.status) problems.push(`HTTP status ${response.status()}, expected ${p.status}`);
        problems.push(...(await checkStructure(page, { lang: p.lang })).problems);
        if (problems.length) fail('structure', p, problems);
      });

      it('no CSP violation, console error or failed request', async () => {
        if (events.length) fail('console', p, [...new Set(events)]);
      });

      it('reflow at 320px: no horizontal scrolling (screenshot)', async () => {
        await page.screenshot({ path: path.join(SCREENSHOTS, `${p.slug}-320.png`), fullPage: true });
        const { problems } = await checkReflow(page);
        if (problems.length) fail('reflow-320', p, problems);
      });

      for (const width of [320, 1280]) {
        it(`axe-core WCAG 2.2 A/AA at ${width}px`, async () => {
          if (width !== 320) {
            await page.setViewportSize({ width, height: 800 });
            await page.screenshot({ path: path.join(SCREENSHOTS, `${p.slug}-${width}.png`), fullPage: true });
          }
          const { problems, violations, incomplete } = await checkAxe(page);
          if (violations.length || incomplete.length) {
            fs.writeFileSync(path.join(AXE_DIR, `${p.slug}-${width}.json`), JSON.stringify({ url: p.url, width, violations, incomplete }, null, 2));
          }
          if (problems.length) fail(`axe-${width}`, p, problems, { violations: violations.map((v) => v.id) });
        });
      }
    });
  }
});
