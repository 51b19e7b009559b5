// Every page type (German and English, every municipality's theme, and the error states; see
// browserPages in lib/pages.js — E2E_FULL=1 for literally every page) in a real browser with the server's
// real CSP: layout and language, no CSP violations or failed requests, reflow at 320px,
// screenshots at 320px and 1280px, and axe-core (WCAG 2.2 A/AA) at both widths.
import { describe, it, before, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, SCREENSHOTS, CONCURRENCY, FULL, failure, recordFinding } from '../lib/env.js';
import { browserPages, discoverPages } from '../lib/pages.js';
import { launchBrowser, PagePool } from '../lib/browser.js';
import { checkStructure, checkReflow, checkAxe, collectPageEvents, report } from '../lib/checks.js';

const pages = browserPages(await discoverPages(), FULL);
const AXE_DIR = path.join(ARTIFACTS, 'axe');
fs.mkdirSync(AXE_DIR, { recursive: true });

let browser;
let pool;

function fail(check, p, problems, extra = {}) {
  recordFinding(check, p.url, { problems, ...extra });
  throw failure(report(check, p.url, problems));
}

describe('pages in the browser', { concurrency: CONCURRENCY }, () => {
  before(async () => {
    browser = await launchBrowser();
    pool = new PagePool(browser, CONCURRENCY, { viewport: { width: 320, height: 800 } }, collectPageEvents);
  });
  after(async () => {
    await pool?.close();
    await browser?.close();
  });

  for (const p of pages) {
    describe(p.path, { concurrency: 1 }, () => {
      let lane;
      let page;
      let response;

      before(async () => {
        lane = await pool.acquire();
        lane.current = p;
        page = lane.page;
        response = await page.goto(p.url, { waitUntil: 'load', timeout: 30_000 });
      });
      after(() => { if (lane) pool.release(lane); });

      it(`HTTP ${p.status}, <html lang="${p.lang}">, one h1, title, skip link, landmarks header/nav/main/footer`, async () => {
        const problems = [];
        if (response.status() !== p.status) problems.push(`HTTP status ${response.status()}, expected ${p.status}`);
        problems.push(...(await checkStructure(page, { lang: p.lang })).problems);
        if (problems.length) fail('structure', p, problems);
      });

      it('no CSP violation, console error or failed request', async () => {
        if (lane.events.length) fail('console', p, [...new Set(lane.events)]);
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
