// Self-test of the checker: every check must report a deliberately broken page (so the suite
// cannot pass vacuously) and must accept a correct page built from the real stylesheet
// (so its findings on the real pages are not false alarms).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, contextOptions } from '../lib/browser.js';
import { checkAxe, checkReflow, checkFocusWalk, checkSkipLink, checkStructure, collectPageEvents, report } from '../lib/checks.js';
import { checkHtml } from '../lib/html.js';
import { startFixtureServer } from '../lib/fixture-server.js';
import { E2E_DIR } from '../lib/env.js';

let browser;
let server;

async function open(file, width = 1280) {
  const ctx = await browser.newContext(contextOptions({ viewport: { width, height: 800 } }));
  const page = await ctx.newPage();
  const res = await page.goto(`${server.url}/${file}`, { waitUntil: 'load' });
  assert.equal(res.status(), 200, `fixture ${file} not served`);
  return { page, close: () => ctx.close() };
}

async function withPage(file, width, fn) {
  const { page, close } = await open(file, width);
  try {
    return await fn(page);
  } finally {
    await close();
  }
}

const has = (problems, re) => problems.some((p) => re.test(p));

describe('self-test of the checks', { concurrency: 2 }, () => {
  before(async () => {
    server = await startFixtureServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  describe('broken fixture is reported', () => {
    it('axe reports the image without alt and the html without lang', async () => {
      const { problems } = await withPage('broken.html', 1280, (p) => checkAxe(p));
      assert.ok(has(problems, /^image-alt \[critical\]/), 'axe did not report image-alt:\n' + problems.join('\n'));
      assert.ok(has(problems, /^html-has-lang /), 'axe did not report html-has-lang:\n' + problems.join('\n'));
      assert.ok(has(problems, /\.rp-skip-link|main-content|img/), 'axe messages name no selectors');
    });

    it('reflow reports the 400px wide fixed element at 320px', async () => {
      const { problems } = await withPage('broken.html', 320, (p) => checkReflow(p));
      assert.ok(has(problems, /wider than the 320px viewport \(width 400px.*div\.wide/), 'reflow missed div.wide:\n' + problems.join('\n'));
    });

    it('focus walk reports invisible focus (a:focus{outline:none}) and the unnamed image link', async () => {
      const { problems } = await withPage('broken.html', 1280, (p) => checkFocusWalk(p));
      assert.ok(has(problems, /a\[href|href="\/start"[\s\S]*no visible focus style/), 'focus walk missed the outline:none links:\n' + problems.join('\n'));
      assert.ok(has(problems, /href="\/bild"[\s\S]*has no accessible name/), 'focus walk missed the unnamed link:\n' + problems.join('\n'));
    });

    it('skip-link check reports the skip link without focus style', async () => {
      const { problems } = await withPage('broken.html', 1280, (p) => checkSkipLink(p));
      assert.ok(has(problems, /skip link has no visible focus style/), 'skip-link check missed it:\n' + problems.join('\n'));
    });

    it('structure check reports the missing lang', async () => {
      const { problems } = await withPage('broken.html', 1280, (p) => checkStructure(p, { lang: 'de' }));
      assert.ok(has(problems, /<html lang="null">, expected lang="de"/), problems.join('\n'));
    });

    it('the console check reports the CSP-blocked inline style and a missing image', async () => {
      const ctx = await browser.newContext(contextOptions());
      try {
        const lane = { page: await ctx.newPage(), events: [], current: null };
        collectPageEvents(lane);
        lane.current = { url: `${server.url}/strict/broken.html`, status: 200 };
        await lane.page.goto(lane.current.url, { waitUntil: 'load' });
        await lane.page.evaluate(() => { const i = new Image(); i.src = '/missing.png'; return new Promise((r) => { i.onerror = r; }); });
        assert.ok(has(lane.events, /Content.Security.Policy/i), 'no CSP violation reported:\n' + lane.events.join('\n'));
        assert.ok(has(lane.events, /missing\.png answered 404/), 'no failed subresource reported:\n' + lane.events.join('\n'));
      } finally {
        await ctx.close();
      }
    });

    it('html-validate reports the duplicate id, the inline style and the missing alt', async () => {
      const html = fs.readFileSync(path.join(E2E_DIR, 'fixtures/broken.html'), 'utf8');
      const { problems } = await checkHtml(html, 'broken.html');
      for (const rule of ['no-dup-id', 'wcag/h37', 'no-inline-style|element-required-attributes|no-style-tag']) {
        assert.ok(has(problems, new RegExp(`^(${rule}) `)), `html-validate did not report ${rule}:\n` + problems.join('\n'));
      }
    });
  });

  describe('good fixture (real stylesheet) passes', () => {
    for (const width of [320, 1280]) {
      it(`axe, reflow and structure at ${width}px`, async () => {
        await withPage('good.html', width, async (p) => {
          const problems = [
            ...(await checkStructure(p, { lang: 'de' })).problems,
            ...(await checkReflow(p)).problems,
            ...(await checkAxe(p)).problems,
          ];
          assert.deepEqual(problems, [], report('good fixture', 'good.html', problems));
        });
      });
    }

    it('skip link and focus walk', async () => {
      for (const check of [checkSkipLink, checkFocusWalk]) {
        const { problems } = await withPage('good.html', 1280, (p) => check(p));
        assert.deepEqual(problems, [], report(check.name, 'good.html', problems));
      }
    });

    it('focus walk: a date input (one Tab stop per sub-field in Chromium) is one stop, not a focus loop', async () => {
      const { problems, steps } = await withPage('good.html', 1280, (p) => checkFocusWalk(p));
      assert.deepEqual(problems, [], report('checkFocusWalk', 'good.html', problems));
      const dates = steps.filter((s) => s.selector === '#tag');
      assert.equal(dates.length, 1, 'the date input #tag should be exactly one Tab stop:\n' + JSON.stringify(steps, null, 2));
      assert.ok(steps.findIndex((s) => s.selector === '#tag') < steps.length - 1, 'the walk did not go on after the date input');
    });

    it('html-validate', async () => {
      const html = fs.readFileSync(path.join(E2E_DIR, 'fixtures/good.html'), 'utf8');
      const { problems } = await checkHtml(html, 'good.html');
      assert.deepEqual(problems, [], report('html-validate', 'good.html', problems));
    });
  });
});
