// A tiny static server for the self-test fixtures (loopback only, random port).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { E2E_DIR, REPO_ROOT } from './env.js';

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml' };
const PIXEL = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="#1d4f91"/></svg>';

export async function startFixtureServer() {
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    let file = null;
    if (pathname === '/pixel.svg') {
      res.writeHead(200, { 'content-type': TYPES['.svg'] });
      return res.end(PIXEL);
    }
    if (pathname.startsWith('/static/')) file = path.join(REPO_ROOT, pathname);
    else file = path.join(E2E_DIR, 'fixtures', path.basename(pathname));
    if (!file.startsWith(REPO_ROOT) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    // The same kind of strict CSP as the real server sends (the broken page needs its inline
    // <style> applied, to get the a:focus{outline:none} it is about).
    // Under /strict/ even the broken page gets no 'unsafe-inline' (self-test of the CSP check).
    const inline = file.endsWith('broken.html') && !pathname.startsWith('/strict/');
    const csp = `default-src 'none'; style-src 'self'${inline ? " 'unsafe-inline'" : ''}; img-src 'self'`;
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'content-security-policy': csp });
    res.end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}
