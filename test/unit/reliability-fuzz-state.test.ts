/**
 * Fuzzing the URL state (issue #9), the pure half: 1,000 random and malformed query strings
 * (random keys and values, huge values, unicode, broken %-escapes) never throw, and every value
 * that comes out is a valid one — the default wherever the link's value was not. The e2e half
 * (test/e2e/fuzz.test.ts) loads a sample of them in the browser.
 */
import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../src/model/prng';
import { DEFAULT_STATE, parseState, PROPERTIES, serializeState, type AppState } from '../../src/state/state';

const KEYS = PROPERTIES.map((p) => p.key as string);
const PIECES = ['', '0', '-1', '1e309', 'NaN', 'Infinity', '0x10', '3.5', '99999999999999999999', 'dog', 'kite', 'a.b.c', '%', '%%', '%E0%A4%A', '%zz', '%00', '\u0000', '😀', 'ü', 'ﬀ', '<b>', '"', "'", '&', '=', '?', '#', '+', ' ', '..', '.', 'all', 'beam', 'i', '__proto__', 'constructor', 'toString'];

/** One random query string (seeded, so a failure can be replayed). */
export function randomQuery(random: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const parts: string[] = [];
  const n = Math.floor(random() * 8);
  for (let k = 0; k < n; k++) {
    const key = random() < 0.7 ? pick(KEYS) : pick(PIECES) + pick(PIECES);
    let value = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(PIECES)).join(random() < 0.5 ? '' : '.');
    if (random() < 0.05) value = value.repeat(5000); // huge
    if (random() < 0.1) value = String.fromCodePoint(...Array.from({ length: 5 }, () => Math.floor(random() * 0x10ffff) & ~0x800)); // any code point but surrogates
    parts.push(random() < 0.5 ? `${key}=${value}` : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return (random() < 0.9 ? '?' : '') + parts.join(random() < 0.9 ? '&' : ';');
}

/** Is `s` a state the app can render: every value of the right type and in range? */
function valid(s: AppState): boolean {
  const again = parseState(serializeState(s));
  return again.notes.length === 0 && JSON.stringify(again.state) === JSON.stringify(s);
}

describe('1,000 random URL states', () => {
  test('parse without throwing, to valid values, each bad one replaced by its default', () => {
    const random = mulberry32(20250609);
    let fellBack = 0;
    for (let k = 0; k < 1000; k++) {
      const query = randomQuery(random);
      let parsed: ReturnType<typeof parseState>;
      try {
        parsed = parseState(query);
      } catch (e) {
        throw new Error(`parseState threw on ${JSON.stringify(query.slice(0, 200))}`, { cause: e });
      }
      expect(valid(parsed.state), query.slice(0, 200)).toBe(true);
      const params = new URLSearchParams(query);
      for (const p of PROPERTIES) {
        const raw = params.get(p.key);
        const value = parsed.state[p.key];
        if (raw === null) expect(value, p.key).toEqual(DEFAULT_STATE[p.key]);
        else if (JSON.stringify(value) === JSON.stringify(DEFAULT_STATE[p.key])) fellBack++;
      }
      // Notes quote at most 40 characters of a value: a huge link does not flood the page.
      for (const note of parsed.notes) expect(note.length).toBeLessThan(200);
    }
    expect(fellBack).toBeGreaterThan(100); // the fuzz did reach the fallbacks
  });
});

describe('repairQuery (run before tfjs reads the query)', () => {
  test('malformed escapes become literal percent signs; good ones are kept', async () => {
    const { repairQuery } = await import('../../src/lib/session-instance');
    expect(repairQuery('?photo=kite&k=5')).toBe('?photo=kite&k=5');
    expect(repairQuery('?photo=%')).toBe('?photo=%25');
    expect(repairQuery('?gate=%😀;%3F__proto__=x;%E0%A4%Akite=%.')).toBe('?gate=%25😀;%253F__proto__=x;%25E0%25A4%25Akite=%25.');
    expect(repairQuery('?word=%C3%BC&force=%E0%A4')).toBe('?word=%C3%BC&force=%25E0%25A4');
    const random = mulberry32(7);
    for (let k = 0; k < 500; k++) {
      const fixed = repairQuery(randomQuery(random));
      // What tfjs-core does with location.search: must not throw any more.
      expect(() => fixed.replace(/[?&]([^=?&]+)(?:=([^&]*))?/g, (s, key: string, value?: string) => (decodeURIComponent(key), decodeURIComponent(value ?? ''), s))).not.toThrow();
    }
  });
});
