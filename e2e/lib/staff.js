// The staff area (/verwaltung): the route list printed by the binary, the seeded accounts,
// RFC 6238 codes, the mail outbox, the translations, and a browser session that remembers
// which pages it rendered (so a GET route that was never visited makes a test fail).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { REPO_ROOT } from './env.js';

/** What e2e/run hands over: routes file, outbox folder, the seeded accounts. */
export function staffEnv() {
  const env = {
    routesFile: process.env.E2E_ROUTES || '',
    outbox: process.env.E2E_OUTBOX || '',
    password: process.env.E2E_STAFF_PASSWORD || '',
    admin: process.env.E2E_ADMIN_EMAIL || '',
    editor: process.env.E2E_EDITOR_EMAIL || '',
    region: process.env.E2E_REGION_EMAIL || '',
    organiser: process.env.E2E_ORGANISER_EMAIL || '',
    municipality: process.env.E2E_STAFF_MUNICIPALITY || 'gera',
  };
  const missing = Object.entries(env).filter(([, v]) => !v).map(([k]) => k);
  return { ...env, ready: missing.length === 0, missing };
}

// ---------------------------------------------------------------------------------------------
// Routes (`regioportal routes`: one JSON object per line)

/** [{ method, path, access }] from the JSON lines file. */
export function readRoutes(file) {
  const routes = [];
  for (const [i, line] of fs.readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let r;
    try { r = JSON.parse(line); } catch { throw new Error(`${file}:${i + 1}: not JSON: ${line}`); }
    if (!r.method || !r.path || !r.access) throw new Error(`${file}:${i + 1}: expected {"method","path","access"}: ${line}`);
    routes.push(r);
  }
  if (!routes.length) throw new Error(`${file}: \`regioportal routes\` printed no route`);
  return routes;
}

/** The parameters of a route pattern: `/verwaltung/{municipality}/benutzer` -> ['municipality']. */
export function routeParams(pattern) {
  return [...pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

function routeRegex(pattern) {
  const src = pattern.split(/(\{\w+\})/).map((part) => (/^\{\w+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp('^' + src + '/?$');
}

/**
 * The route a path is served by, as the router picks it: of all matching patterns the one with
 * the fewest parameters (a static segment beats `{municipality}`: `/verwaltung` is not `/{municipality}`).
 */
export function matchRoute(routes, pathname) {
  let best = null;
  for (const r of routes) {
    if (!routeRegex(r.path).test(pathname)) continue;
    if (!best || routeParams(r.path).length < routeParams(best.path).length) best = r;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// TOTP (RFC 6238 with the RFC 4226 dynamic truncation; SHA-1, 30 s, 6 digits)

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in the TOTP secret`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function hotp(secret, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', secret).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

export const TOTP_STEP = 30;

/**
 * The codes of one account. The server accepts the steps now-1 … now+1, each only once and only
 * if it is newer than the last one used, so `next()` takes the oldest step that is still safe
 * (not about to fall out of the window) and newer than the last, and waits for the next step
 * only when none is left.
 */
export class TotpClock {
  constructor(secretBase32) {
    this.secret = base32Decode(secretBase32);
    this.last = -1;
  }

  codeAt(step) { return hotp(this.secret, step); }

  async next() {
    for (;;) {
      const now = Date.now() / 1000;
      const cur = Math.floor(now / TOTP_STEP);
      const intoStep = now - cur * TOTP_STEP;
      // cur-1 is only safe while the server's clock stays in `cur` for the next few seconds.
      const candidates = [intoStep < TOTP_STEP - 5 ? cur - 1 : null, cur, cur + 1].filter((s) => s !== null && s > this.last);
      if (candidates.length) {
        this.last = candidates[0];
        return this.codeAt(candidates[0]);
      }
      await new Promise((r) => setTimeout(r, (TOTP_STEP - intoStep) * 1000 + 200));
    }
  }

  /** A code that the server rejects: right format, a step far outside the window. */
  wrong() {
    const cur = Math.floor(Date.now() / 1000 / TOTP_STEP);
    const valid = new Set([cur - 2, cur - 1, cur, cur + 1, cur + 2].map((s) => this.codeAt(s)));
    for (let s = cur - 1000; ; s--) if (!valid.has(this.codeAt(s))) return this.codeAt(s);
  }
}

// ---------------------------------------------------------------------------------------------
// Mail outbox (<data dir>/outbox/*.eml)

function decodeBody(headers, body) {
  const cte = (headers.match(/^content-transfer-encoding:\s*(\S+)/im) || [])[1] || '';
  if (/base64/i.test(cte)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(cte)) {
    return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return body;
}

/** All mails of the outbox, oldest first: { file, mtime, to, subject, body }. */
export function readOutbox(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).map((f) => {
    const file = path.join(dir, f);
    const raw = fs.readFileSync(file, 'utf8');
    const split = raw.search(/\r?\n\r?\n/);
    const headers = split < 0 ? raw : raw.slice(0, split);
    const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
    const header = (name) => ((headers.replace(/\r?\n[ \t]+/g, ' ').match(new RegExp(`^${name}:\\s*(.*)$`, 'im')) || [])[1] || '').trim();
    return { file, mtime: fs.statSync(file).mtimeMs, to: header('to'), subject: header('subject'), body: decodeBody(headers, body) };
  }).sort((a, b) => a.mtime - b.mtime || a.file.localeCompare(b.file));
}

/** The newest mail; it must be addressed to `to`, and its body must hold a set-password link. */
export function newestResetLink(dir, to) {
  const mails = readOutbox(dir);
  if (!mails.length) throw new Error(`no .eml file in ${dir}`);
  const mail = mails[mails.length - 1];
  if (!mail.to.toLowerCase().includes(to.toLowerCase())) {
    throw new Error(`the newest mail (${path.basename(mail.file)}) is addressed to "${mail.to}", expected ${to}`);
  }
  const m = mail.body.match(/https?:\/\/\S*\/verwaltung\/passwort-setzen\/[0-9a-f]+/i);
  if (!m) throw new Error(`the newest mail (${path.basename(mail.file)}) has no /verwaltung/passwort-setzen/ link:\n${mail.body}`);
  return { url: m[0], mail };
}

// ---------------------------------------------------------------------------------------------
// Translations (locales/*/main.ftl; simple one-line messages only)

const ftlCache = new Map();
export function messages(lang) {
  if (!ftlCache.has(lang)) {
    const map = new Map();
    const file = path.join(REPO_ROOT, 'locales', lang, 'main.ftl');
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const m = line.match(/^([a-z][\w-]*)\s*=\s*(.*)$/);
      if (m) map.set(m[1], m[2].trim());
    }
    ftlCache.set(lang, map);
  }
  return ftlCache.get(lang);
}

/** A message; `{ $x }` placeables become `…` (use `textMatches` to compare). */
export function msg(lang, key) {
  const v = messages(lang).get(key);
  if (v === undefined) throw new Error(`no message ${key} in locales/${lang}/main.ftl`);
  return v;
}

/** Whether a text contains the message (placeables match anything). */
export function textMatches(text, message) {
  const norm = (s) => s.replace(/\s+/g, ' ').trim();
  const parts = norm(message).split(/\{\s*\$\w+\s*\}/).map((p) => p.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'));
  return new RegExp(parts.join('.+?')).test(norm(text));
}
