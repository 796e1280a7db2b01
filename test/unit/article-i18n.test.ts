import { describe, expect, test } from 'vitest';
import { en, ko, LANGS, localisedPath, TABLES } from '../../src/i18n/strings';

describe('string tables', () => {
  test('every language has every English key, none empty', () => {
    const keys = Object.keys(en).sort();
    for (const lang of LANGS) {
      const table = TABLES[lang] as Record<string, string>;
      expect(Object.keys(table).sort(), lang).toEqual(keys);
      for (const k of keys) expect(table[k]!.trim().length, `${lang} ${k}`).toBeGreaterThan(0);
    }
  });

  test('Korean headings and captions are translated, not English copies', () => {
    const translated = Object.keys(en).filter((k) => /^(s\d+\.title|fig\.|nav\.|article\.lede|live\.)/.test(k)) as (keyof typeof en)[];
    expect(translated.length).toBeGreaterThan(20);
    for (const k of translated) {
      expect(ko[k], k).not.toBe(en[k]);
      expect(ko[k], k).toMatch(/[\uac00-\ud7a3]/); // Hangul
    }
  });

  test('localised paths under any base', () => {
    expect(localisedPath('/', 'en')).toBe('/');
    expect(localisedPath('/', 'ko')).toBe('/ko/');
    expect(localisedPath('/sub', 'ko', 'present')).toBe('/sub/ko/present');
  });
});
