// Without JavaScript: each page type loads completely, and the language switch (a plain link)
// leads to the other language.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CONCURRENCY, FULL, failure } from '../lib/env.js';
import { discoverPages, representatives } from '../lib/pages.js';
import { launchBrowser, PagePool } from '../lib/browser.js';

const pages = representatives(await discoverPages(), FULL);
const SWITCH = { de: { to: 'en', name: 'English' }, en: { to: 'de', name: 'Deutsch' } };

let browser;
let pool;

describe('without JavaScript', { concurrency: CONCURRENCY }, () => {
  before(async () => {
    browser = await launchBrowser();
    pool = new PagePool(browser, CONCURRENCY, { javaScriptEnabled: false });
  });
  after(async () => {
    await pool?.close();
    await browser?.close();
  });

  for (const p of pages) {
    const sw = SWITCH[p.lang];
    it(`${p.path} (${p.type}) loads, and the "${sw?.name}" link switches to <html lang="${sw?.to}">`, async () => {
      await pool.with(async (page) => {
        const res = await page.goto(p.url, { waitUntil: 'load' });
        assert.equal(res.status(), p.status, `HTTP ${res.status()} for ${p.url}`);
        assert.equal(await page.locator('html').getAttribute('lang'), p.lang, `<html lang> of ${p.url}`);
        assert.equal(await page.locator('h1').count(), 1, `exactly one <h1> on ${p.url}`);
        assert.ok(await page.locator('h1').isVisible(), `<h1> of ${p.url} is not visible without JavaScript`);
        assert.ok(sw, `no language switch expected for lang ${p.lang}`);
        let link = page.getByRole('link', { name: sw.name, exact: true });
        if ((await link.count()) === 0) link = page.locator(`a[hreflang="${sw.to}"]`);
        if ((await link.count()) !== 1) {
          throw failure(`language switch on ${p.url}: expected one link named "${sw.name}" (or a[hreflang="${sw.to}"]), found ${await link.count()}`);
        }
        const [nav] = await Promise.all([page.waitForEvent('response', (r) => r.request().isNavigationRequest()), link.click()]);
        await page.waitForLoadState('load');
        assert.equal(nav.status(), p.status, `after clicking "${sw.name}" on ${p.url}: HTTP ${nav.status()} for ${nav.url()}`);
        const lang = await page.locator('html').getAttribute('lang');
        assert.equal(lang, sw.to, `after clicking "${sw.name}" on ${p.url} (now ${page.url()}): <html lang="${lang}">`);
        const samePath = new URL(page.url()).pathname === new URL(p.url).pathname;
        assert.ok(samePath, `the language switch on ${p.url} leads to another page: ${page.url()}`);
      });
    });
  }
});
