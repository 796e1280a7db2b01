/**
 * No unsafe HTML (issue #9): nothing in src/ writes markup from a variable. innerHTML, outerHTML,
 * insertAdjacentHTML, document.write, d3's .html() and srcdoc may only ever take a constant
 * string; and the Content-Security-Policy allows no inline script.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CSP_DIRECTIVES, contentSecurityPolicy } from '../../scripts/site-policy.mjs';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : /\.(ts|astro|mjs|js)$/.test(name) ? [full] : [];
  });
}

/** Code without comments, so prose that mentions innerHTML does not count. */
const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

const SINK = /(\.innerHTML|\.outerHTML|\.srcdoc)\s*(\+?=)\s*([^;\n]*)|\.insertAdjacentHTML\s*\(\s*[^,]+,\s*([^)\n]*)\)|document\.write(?:ln)?\s*\(\s*([^)\n]*)\)|\.html\s*\(\s*([^)\n]+)\)/g;
/** A constant: one string literal with no substitutions. */
const CONSTANT = /^\s*(?:'[^'\\]*'|"[^"\\]*"|`[^`$\\]*`)\s*$/;

/** Every HTML sink in `code` whose value is not a constant string. */
export function unsafeSinks(code: string): string[] {
  const out: string[] = [];
  for (const m of stripComments(code).matchAll(SINK)) {
    const value = m[3] ?? m[4] ?? m[5] ?? m[6] ?? '';
    if (m[2] === '+=' || !CONSTANT.test(value)) out.push(m[0].trim());
  }
  return out;
}

describe('the sink scanner', () => {
  test('flags variables, templates with substitutions and concatenation; allows constants', () => {
    expect(unsafeSinks('el.innerHTML = name;')).toHaveLength(1);
    expect(unsafeSinks('el.innerHTML = `<b>${name}</b>`;')).toHaveLength(1);
    expect(unsafeSinks("el.innerHTML += '<br>';")).toHaveLength(1);
    expect(unsafeSinks("el.insertAdjacentHTML('beforeend', html)")).toHaveLength(1);
    expect(unsafeSinks('sel.html(d => d.word)')).toHaveLength(1);
    expect(unsafeSinks('document.write(x)')).toHaveLength(1);
    expect(unsafeSinks("el.innerHTML = '';")).toEqual([]);
    expect(unsafeSinks('// el.innerHTML = name;')).toEqual([]);
    expect(unsafeSinks('const t = el.innerHTML;')).toEqual([]);
  });
});

describe('src/', () => {
  const files = sourceFiles('src');
  test('has source files to check', () => {
    expect(files.length).toBeGreaterThan(20);
  });
  test('writes no markup from a variable', () => {
    const found = files.flatMap((f) => unsafeSinks(readFileSync(f, 'utf8')).map((s) => `${f}: ${s}`));
    expect(found).toEqual([]);
  });
});

describe('the Content-Security-Policy', () => {
  test('allows no inline or eval script, and no other origin', () => {
    const scripts = CSP_DIRECTIVES['script-src']!;
    expect(scripts).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(CSP_DIRECTIVES['default-src']).toEqual(["'self'"]);
    expect(CSP_DIRECTIVES['object-src']).toEqual(["'none'"]);
    for (const [name, sources] of Object.entries(CSP_DIRECTIVES)) {
      for (const s of sources) expect(s, name).toMatch(/^('self'|'none'|'wasm-unsafe-eval'|blob:|data:|'unsafe-inline')$/);
      if (name !== 'style-src-attr') expect(sources, name).not.toContain("'unsafe-inline'");
    }
    expect(contentSecurityPolicy()).toMatch(/^default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; /);
  });
});
