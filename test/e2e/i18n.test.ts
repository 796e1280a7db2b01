/** The Korean edition (/ko/) and the language switcher. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { collectErrors, launch, seriousViolations } from './browser';

const origin = inject('origin');

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const HANGUL = /[\uac00-\ud7a3]/;

describe('the Korean edition', () => {
  test('is Korean: lang, title, lede, headings, navigation and figure captions', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } }); // no live model on a phone
    const errors = collectErrors(page);
    await page.goto(`${origin}/ko/?backend=wasm`);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ko');
    await expect(page.locator('h1').textContent()).resolves.toMatch(HANGUL);
    await expect(page.locator('.lede').textContent()).resolves.toMatch(HANGUL);
    const headings = await page.locator('[data-article] > section > h2').allTextContents();
    expect(headings).toHaveLength(10);
    for (const h of headings) expect(h).toMatch(HANGUL);
    const notes = await page.locator('.figure-note').allTextContents();
    expect(notes.length).toBeGreaterThanOrEqual(5);
    for (const n of notes) expect(n).toMatch(HANGUL);
    await expect(page.locator('.site-links').textContent()).resolves.toMatch(HANGUL);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await page.close();
  });

  test('the language switcher links the two editions both ways', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${origin}/`);
    await page.locator('[data-testid="lang-switch"] a[hreflang="ko"]').click();
    await page.waitForURL(`${origin}/ko/`);
    await expect(page.locator('[data-testid="lang-switch"] a[aria-current="true"]').getAttribute('hreflang')).resolves.toBe('ko');
    await page.locator('[data-testid="lang-switch"] a[hreflang="en"]').click();
    await page.waitForURL(`${origin}/`);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await page.close();
  });
});
