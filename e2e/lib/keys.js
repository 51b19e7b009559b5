// The keyboard driver of the journeys: every stop is checked for an accessible name and a
// visible focus style, every step logged to artifacts/journeys/.
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS } from './env.js';
import { installHelpers } from './checks.js';

const JOURNEY_DIR = path.join(ARTIFACTS, 'journeys');
fs.mkdirSync(JOURNEY_DIR, { recursive: true });

/** A keyboard driver for one page: every stop is checked, every step logged. */
export class Keys {
  constructor(page, js, name) { this.page = page; this.js = js; this.name = name; this.log = []; this.problems = []; }

  async ready() {
    await installHelpers(this.page);
    if (!this.js) await this.page.evaluate(() => { window.__rpE2ENoFrames = true; });
    await this.page.evaluate(() => window.__rpE2E.snapshotUnfocused());
  }

  async stop(what) {
    if (!this.js) await this.page.waitForTimeout(30);
    const info = await this.page.evaluate(() => window.__rpE2E.focusInfo());
    if (info.atBody) { this.problems.push(`${what}: nothing is focused`); return info; }
    // The next sub-field (day, month, year) of the same date or time input is the same stop,
    // checked when it was first reached (as the Tab walk of 30-keyboard does).
    const same = info.subFields && info.key === this.lastKey;
    this.lastKey = info.key;
    if (same) return info;
    this.log.push({ what, selector: info.selector, name: info.name });
    if (!info.name) this.problems.push(`${what}: ${info.selector} has no accessible name`);
    if (!info.indicator.ok) this.problems.push(`${what}: ${info.selector} has no visible focus style`);
    if (!info.visible) this.problems.push(`${what}: ${info.selector} is not visible while focused`);
    return info;
  }

  /** Presses Tab until `want(active)` holds for the focused element; returns its details. */
  async tabTo(label, want, max = 150) {
    for (let i = 1; i <= max; i++) {
      await this.page.keyboard.press('Tab');
      const info = await this.stop(`${label}, Tab ${i}`);
      const active = await this.page.evaluate(() => {
        const a = document.activeElement;
        return a ? { id: a.id, tag: a.tagName.toLowerCase(), href: a.getAttribute('href') || '', text: (a.textContent || '').trim(), type: a.getAttribute('type') || '', value: a.value || '' } : {};
      });
      if (want(active, info)) return active;
    }
    throw new Error(`${this.name}: ${label}: not reached with ${max} Tab presses`);
  }

  /** Presses a key that navigates and waits for the next document. */
  async go(key) {
    const nav = this.page.waitForNavigation({ waitUntil: 'load', timeout: 30_000 });
    await this.page.keyboard.press(key);
    const res = await nav;
    await this.ready();
    return res;
  }

  async field(id, text) {
    await this.tabTo(`#${id}`, (a) => a.id === id);
    await this.page.keyboard.type(text);
  }

  save() {
    fs.writeFileSync(path.join(JOURNEY_DIR, `${this.name}.json`), JSON.stringify(this.log, null, 2));
    if (this.problems.length) throw new Error(`${this.name}:\n  - ${this.problems.join('\n  - ')}`);
  }
}

