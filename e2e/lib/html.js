// HTML validity of the served markup (the raw response body, not the browser's repaired DOM).
import fs from 'node:fs';
import path from 'node:path';
import { HtmlValidate } from 'html-validate';
import { E2E_DIR } from './env.js';

const config = JSON.parse(fs.readFileSync(path.join(E2E_DIR, '.htmlvalidate.json'), 'utf8'));
const validator = new HtmlValidate({ ...config, root: true });

/** Validates one HTML document; returns readable problems (rule, line:column, selector, message). */
export async function checkHtml(html, name) {
  const report = await validator.validateString(html, name);
  const lines = html.split('\n');
  const problems = [];
  for (const result of report.results) {
    for (const m of result.messages) {
      const src = (lines[m.line - 1] || '').trim();
      problems.push(`${m.ruleId} (${m.severity === 2 ? 'error' : 'warning'}) at line ${m.line}:${m.column}${m.selector ? ' ' + m.selector : ''}: ${m.message}` +
        (src ? `\n      ${src.length > 160 ? src.slice(0, 157) + '...' : src}` : '') +
        (m.ruleUrl ? `\n      ${m.ruleUrl}` : ''));
    }
  }
  return { problems, valid: report.valid };
}
