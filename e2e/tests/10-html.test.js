// HTML validity of the served markup of every page (raw response body), and the HTTP status:
// 200 for the sitemap's pages, 404 (with a full HTML page) for the error states.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { failure, recordFinding } from '../lib/env.js';
import { discoverPages } from '../lib/pages.js';
import { checkHtml } from '../lib/html.js';
import { report } from '../lib/checks.js';

const pages = await discoverPages();

describe('served HTML', { concurrency: 4 }, () => {
  for (const p of pages) {
    it(`${p.path}: HTTP ${p.status}, text/html, valid (html-validate)`, async () => {
      const res = await fetch(p.url, { headers: { 'accept-language': 'de-DE,de;q=0.9' }, redirect: 'manual' });
      const html = await res.text();
      assert.equal(res.status, p.status, `GET ${p.url} answered ${res.status}, expected ${p.status}`);
      assert.match(res.headers.get('content-type') || '', /^text\/html/, `GET ${p.url}: content-type ${res.headers.get('content-type')}`);
      const { problems } = await checkHtml(html, p.path);
      if (problems.length) {
        recordFinding('html-validate', p.url, { problems });
        throw failure(report('html-validate', p.url, problems));
      }
    });
  }
});
