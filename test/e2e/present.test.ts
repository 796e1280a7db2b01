/** Classroom mode (/present): keys and clickers, the predict-the-next-word quiz, saved slide orders. */
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

const visibleSlide = (page: Page) => page.evaluate(() => document.querySelector<HTMLElement>('[data-slide]:not([hidden])')?.dataset.slide);
const param = (page: Page, key: string) => new URL(page.url()).searchParams.get(key);

describe('presenting with the keyboard', () => {
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    // A phone-sized window: the precomputed decoding is enough and the live model stays off.
    page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    errors = collectErrors(page);
    await page.goto(`${origin}/present?backend=wasm`);
    await page.waitForFunction(() => window.__firstResultAt !== undefined, null, { timeout: 30_000 });
  });

  test('PageDown / PageUp move between slides, one figure each', async () => {
    expect(await visibleSlide(page)).toBe('title');
    await page.keyboard.press('PageDown');
    expect(await visibleSlide(page)).toBe('quiz');
    expect(param(page, 'slide')).toBe('1');
    await page.keyboard.press('PageUp');
    expect(await visibleSlide(page)).toBe('title');
    await page.keyboard.press('PageUp');
    expect(await visibleSlide(page)).toBe('title'); // stays at the first slide
  });

  test('B, G, S and E jump to their views; → steps the decoding by exactly one', async () => {
    await page.keyboard.press('b');
    expect(await visibleSlide(page)).toBe('beam');
    expect(param(page, 'decoder')).toBeNull(); // beam is the default
    await page.keyboard.press('g');
    expect(await visibleSlide(page)).toBe('gates');
    await page.keyboard.press('s');
    expect(await visibleSlide(page)).toBe('stepper');
    expect(param(page, 'decoder')).toBe('sample');
    const before = Number(param(page, 'step') ?? 0);
    await page.keyboard.press('ArrowRight');
    expect(Number(param(page, 'step'))).toBe(before + 1);
    await page.keyboard.press('ArrowLeft');
    expect(Number(param(page, 'step') ?? 0)).toBe(before);
    await page.keyboard.press('e');
    expect(await visibleSlide(page)).toBe('embeddings');
  });

  test('no serious axe violations on the quiz slide, no console errors', async () => {
    for (let i = 0; i < 4; i++) await page.keyboard.press('PageUp');
    expect(await visibleSlide(page)).toBe('quiz');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});

describe('predict the next word', () => {
  test('guess, reveal, and the guess is marked with its probability and rank', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await page.goto(`${origin}/present?backend=wasm&slide=1`);
    await page.waitForFunction(() => (document.querySelector('[data-testid="quiz-choices"]')?.childElementCount ?? 0) >= 3, null, { timeout: 30_000 });
    await expect(page.locator('[data-testid="quiz-bars"]').isVisible()).resolves.toBe(false); // nothing given away before the guess
    await page.locator('[data-testid="quiz-input"]').fill('dog');
    await page.keyboard.press('Enter');
    const result = (await page.locator('[data-testid="quiz-result"]').textContent())!;
    expect(result).toMatch(/The model (also )?wrote “\w+”/);
    const marked = page.locator('[data-testid="quiz-guess-bar"]');
    await expect(marked.count()).resolves.toBe(1);
    const text = (await marked.textContent())!;
    expect(text).toContain('dog');
    const rank = Number(/#(\d+)/.exec(text)![1]);
    expect(result).toContain(`rank ${rank}`);
    await expect(page.locator('[data-testid="quiz-live"]').textContent()).resolves.toBe(result);

    // Next word: the prefix grows by the model's word, and a picked choice is marked too.
    const chosen = /wrote “(\w+)”/.exec(result)![1]!;
    await page.locator('[data-testid="quiz-next"]').click();
    await expect(page.locator('[data-testid="quiz-prefix"]').textContent()).resolves.toContain(`${chosen} …`);
    expect(param(page, 'step')).toBe('1');
    const choice = page.locator('[data-testid="quiz-choices"] button').first();
    const word = (await choice.textContent())!;
    await choice.click();
    await expect(page.locator('[data-testid="quiz-guess-bar"]').textContent()).resolves.toContain(word);
    await expect(page.locator('[data-testid="quiz-score"]').textContent()).resolves.toMatch(/in 2 guesses/);
    await page.close();
  });
});

describe('a saved slide order', () => {
  test('is a list of state links, kept in localStorage, that PageDown walks through', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await page.goto(`${origin}/present?backend=wasm`);
    await page.locator('[data-testid="deck-order"] summary').click();
    await page.locator('[data-testid="deck-links"]').fill(['/present?slide=3&k=2', 'https://elsewhere.example/present?slide=1', '/present?slide=4&gate=o'].join('\n'));
    await page.locator('[data-testid="deck-save"]').click();
    await expect(page.locator('[data-testid="deck-errors"] li').allTextContents()).resolves.toEqual(['Line 2 links outside this classroom page, so it is skipped.']);
    expect(await visibleSlide(page)).toBe('beam');
    expect(param(page, 'k')).toBe('2');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('PageDown');
    expect(await visibleSlide(page)).toBe('gates');
    expect(param(page, 'gate')).toBe('o');
    expect(param(page, 'k')).toBeNull();
    await expect(page.locator('[data-testid="slide-position"]').textContent()).resolves.toMatch(/^2 of 2/);
    await page.reload();
    await expect(page.evaluate(() => window.__deck?.entries()?.length)).resolves.toBe(2);
    await page.close();
  });
});
