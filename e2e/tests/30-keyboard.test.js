// Keyboard use, on one page of each page type and language (E2E_FULL=1: every page):
// the skip link comes first, shows itself and works; every Tab stop has an accessible name
// and a visible focus style, and is on screen and not covered.
import { describe, it, before, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, CONCURRENCY, FULL, failure, recordFinding } from '../lib/env.js';
import { discoverPages, representatives } from '../lib/pages.js';
import { launchBrowser, PagePool } from '../lib/browser.js';
import { checkSkipLink, checkFocusWalk, report } from '../lib/checks.js';

const pages = representatives(await discoverPages(), FULL);
const TAB_DIR = path.join(ARTIFACTS, 'tab-order');
fs.mkdirSync(TAB_DIR, { recursive: true });

let browser;
let pool;

/** Loads the page afresh (cookies cleared) at the given width, then runs fn(page). */
function onFreshPage(p, width, fn) {
  return pool.with(async (page) => {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(p.url, { waitUntil: 'load', timeout: 30_000 });
    return fn(page);
  });
}

describe('keyboard and focus', { concurrency: CONCURRENCY }, () => {
  before(async () => {
    browser = await launchBrowser();
    pool = new PagePool(browser, CONCURRENCY);
  });
  after(async () => {
    await pool?.close();
    await browser?.close();
  });

  for (const p of pages) {
    describe(`${p.path} (${p.type})`, { concurrency: 1 }, () => {
      it('skip link: first Tab stop, visible on focus, Enter goes to main#main-content', async () => {
        const { problems } = await onFreshPage(p, 1280, checkSkipLink);
        if (problems.length) {
          recordFinding('skip-link', p.url, { problems });
          throw failure(report('skip link', p.url, problems));
        }
      });

      for (const width of [1280, 320]) {
        it(`Tab through the page at ${width}px: accessible name and visible focus at every stop`, async () => {
          const { problems, steps } = await onFreshPage(p, width, (page) => checkFocusWalk(page));
          fs.writeFileSync(path.join(TAB_DIR, `${p.slug}-${width}.json`), JSON.stringify({ url: p.url, width, steps }, null, 2));
          if (steps.length === 0) problems.push('no element can be reached with Tab');
          if (problems.length) {
            recordFinding(`focus-${width}`, p.url, { problems });
            throw failure(report(`focus walk at ${width}px`, p.url, problems));
          }
        });
      }
    });
  }
});
