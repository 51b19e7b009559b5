// Keyboard-only journey of the Bürgerservice, with and without JavaScript (issue 6): find a
// service ("Auto anmelden", a synonym of Kfz-Zulassung) and the office responsible for a
// postcode, then download its form. Every stop is checked for an accessible name and a visible
// focus style (lib/keys.js).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl } from '../lib/env.js';
import { launchBrowser, contextOptions } from '../lib/browser.js';
import { Keys } from '../lib/keys.js';
import { msg } from '../lib/staff.js';

const BASE = baseUrl();

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

for (const js of [true, false]) {
  const mode = js ? 'with JavaScript' : 'without JavaScript';
  describe(`Bürgerservice journey by keyboard ${mode}`, { concurrency: 1 }, () => {
    it('find a service and the responsible office for a postcode, and download its form', { timeout: 120_000 }, async () => {
      const ctx = await browser.newContext(contextOptions({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: js, acceptDownloads: true }));
      const page = await ctx.newPage();
      const k = new Keys(page, js, `service-finder-${js ? 'js' : 'nojs'}`);
      try {
        assert.equal((await page.goto(`${BASE}/buergerservice`, { waitUntil: 'load' })).status(), 200);
        await k.ready();
        await k.field('q', 'Auto anmelden');
        await k.go('Enter');
        assert.match(page.url(), /\/buergerservice\/suche\?q=Auto/);
        await k.tabTo('first result', (a) => a.tag === 'a' && a.href.includes('/buergerservice/leistungen/'));
        assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Kfz-Zulassung');
        await k.go('Enter');
        assert.match(page.url(), /\/buergerservice\/leistungen\/kfz-zulassung$/);
        await k.field('ort', '04626');
        await k.tabTo('find button', (a) => a.tag === 'button' && a.text === msg('de', 'finder-submit'));
        await k.go('Enter');
        const answer = await page.locator('.rp-finder h3').first().textContent();
        assert.equal(answer.trim(), 'Zuständig für Schmölln');
        assert.match(await page.locator('.rp-finder').textContent(), /Zulassungsstelle/);
        const link = await k.tabTo('form download', (a) => a.tag === 'a' && /\/buergerservice\/formulare\/\d+\//.test(a.href));
        assert.match(link.text, /\(PDF, \d+ KB\)/, 'format and size in the link text');
        const res = await page.request.get(BASE + link.href);
        assert.equal(res.status(), 200);
        assert.equal(res.headers()['content-type'], 'application/pdf');
        assert.match((await res.body()).subarray(0, 8).toString('latin1'), /^%PDF-1\./);
        k.save();
      } finally {
        await ctx.close();
      }
    });
  });
}
