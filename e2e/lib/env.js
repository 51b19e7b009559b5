// Settings of one run, from the environment that `e2e/run` sets up.
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(E2E_DIR, '..');

/** Base URL of the server under test, without trailing slash. */
export function baseUrl() {
  const url = (process.env.E2E_BASE_URL || process.env.REGIOPORTAL_BASE_URL || '').replace(/\/+$/, '');
  if (!url) {
    throw new Error('E2E_BASE_URL is not set: start the suite with `bash e2e/run` from the repository root');
  }
  return url;
}

export const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS || path.join(E2E_DIR, 'artifacts'));
export const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');
fs.mkdirSync(SCREENSHOTS, { recursive: true });

/** How many pages are checked at the same time in one browser. */
export const CONCURRENCY = Math.max(1, Number(process.env.E2E_CONCURRENCY || 3));

/** E2E_FULL=1: keyboard and no-JS checks on every page, not one page per page type. */
export const FULL = process.env.E2E_FULL === '1';

/** The default language of the portal (German first). */
export const DEFAULT_LANG = 'de';

/** Appends one finding (JSON line) to artifacts/findings.jsonl, for people and tools reading CI output. */
export function recordFinding(check, page, details) {
  fs.appendFileSync(path.join(ARTIFACTS, 'findings.jsonl'), JSON.stringify({ check, page, ...details }) + '\n');
}

/** An error whose message is the whole report (no stack noise in the test output). */
export function failure(message) {
  const err = new Error(message);
  err.stack = message;
  return err;
}
