// One headless Debian Chromium per test file, driven by playwright-core (no browser download).
import fs from 'node:fs';
import { chromium } from 'playwright-core';

/** The Chromium binary: $CHROMIUM_PATH, else Debian's real binary, else whatever `chromium` is on PATH. */
export function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const c of candidates) {
    if (c && fs.existsSync(c)) return c;
  }
  throw new Error('Chromium not found: install it with `apt-get install -y chromium` or set CHROMIUM_PATH');
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--hide-scrollbars', '--force-color-profile=srgb', '--font-render-hinting=none',
];

/**
 * Launches the browser. Playwright gives every launch a fresh, temporary --user-data-dir
 * (under $TMPDIR, which e2e/run points into its own temp dir) and deletes it on close.
 */
export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Options of every browser context: German browser, no CSP bypass (pages are tested as served). */
export function contextOptions(extra = {}) {
  return {
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
    serviceWorkers: 'block',
    ...extra,
  };
}

const axeSource = fs.readFileSync(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

/**
 * Makes window.axe available. The server's CSP forbids inline scripts, so addScriptTag would be
 * blocked; page.evaluate runs through the DevTools protocol, which CSP does not restrict. This way
 * the page keeps its real CSP and CSP violations of the page itself stay visible to the checks.
 */
export async function injectAxe(page) {
  if (await page.evaluate(() => typeof window.axe === 'object')) return;
  await page.evaluate(axeSource);
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    throw new Error('axe-core could not be injected into ' + page.url());
  }
}

/**
 * A few reusable pages ("lanes"), each in its own context. Opening a context per checked page
 * costs more than the check itself, so a test file checks its pages on at most `size` lanes,
 * one page at a time per lane. Before each use the lane's cookies are cleared (the language
 * choice is remembered in a cookie) and the viewport is reset.
 */
export class PagePool {
  constructor(browser, size, options = {}, setup = () => {}) {
    this.browser = browser;
    this.size = size;
    this.options = options;
    this.setup = setup;
    this.free = [];
    this.count = 0;
    this.waiting = [];
  }

  async acquire() {
    let lane = this.free.pop();
    if (!lane && this.count < this.size) {
      this.count++;
      lane = { ctx: await this.browser.newContext(contextOptions(this.options)), page: null, events: [], current: null };
    }
    if (!lane) lane = await new Promise((resolve) => this.waiting.push(resolve));
    if (!lane.page || lane.page.isClosed()) {
      lane.page = await lane.ctx.newPage();
      this.setup(lane);
    }
    await lane.ctx.clearCookies();
    await lane.page.setViewportSize(contextOptions(this.options).viewport);
    lane.events = [];
    return lane;
  }

  async close() {
    await Promise.all(this.free.map((lane) => lane.ctx.close().catch(() => {})));
  }

  release(lane) {
    lane.current = null;
    const next = this.waiting.shift();
    if (next) next(lane);
    else this.free.push(lane);
  }

  /** Runs fn(page, lane) on a lane. */
  async with(fn) {
    const lane = await this.acquire();
    try {
      return await fn(lane.page, lane);
    } finally {
      this.release(lane);
    }
  }
}
