/**
 * The decoding stepper on the built explore page, live model on wasm, driven from the keyboard:
 * stepping with ← / →, forcing a word (Tab to its bar, Enter), switching decoders, and the
 * temperature redrawing p_t from cached logits without waiting for the model. Written against
 * whatever model /models/current.json names (the 8-word fixture or the trained one).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { collectErrors, launch, injectAxe } from './browser';

const origin = inject('origin');

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launch();
  page = await browser.newPage();
  errors = collectErrors(page);
  await page.goto(`${origin}/explore/?backend=wasm`);
  await page.waitForSelector('[data-testid="bars"] .pt-bar', { timeout: 90_000 });
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

const param = async (key: string) => (await page.evaluate((k) => new URLSearchParams(location.search).get(k), key)) ?? null;
const text = async (testid: string) => ((await page.locator(`[data-testid="${testid}"]`).textContent()) ?? '').trim();
/** The caption so far, as the stepper shows it (without `<start>` and the hidden label). */
const prefix = () => page.locator('[data-testid="stepper-prefix"] .prefix-word:not(.start)').allTextContents();

/** Press Tab until the focused element matches `selector` (a keyboard user's way there). */
async function tabTo(selector: string, max = 120): Promise<void> {
  for (let k = 0; k < max; k++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Focus back on the page body, where ← / → step. */
async function focusBody(): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

/** Press → until the step stops moving: the caption's last word. */
async function stepToEnd(): Promise<void> {
  await focusBody();
  let previous = await param('step');
  for (let k = 0; k < 45; k++) {
    await page.keyboard.press('ArrowRight');
    const now = await param('step');
    if (now === previous) return;
    previous = now;
  }
  throw new Error('the stepper never reached the end');
}

/** Step with → / ← until the URL says `step`. */
async function stepTo(step: number): Promise<void> {
  await focusBody();
  for (let k = 0; k < 45; k++) {
    const now = Number((await param('step')) ?? 0);
    if (now === step) return;
    await page.keyboard.press(now < step ? 'ArrowRight' : 'ArrowLeft');
  }
  throw new Error(`could not step to ${step}`);
}

describe('the decoding stepper', () => {
  test('← / → step through the caption, from the image step to the last word, and announce each word', async () => {
    await focusBody();
    expect(await param('step')).toBeNull(); // default: step 0
    await expect(text('stepper-position')).resolves.toMatch(/^Token 1 of \d+ \(t = 0\)$/);
    const first = await prefix();
    expect(first).toHaveLength(1);

    await page.keyboard.press('ArrowRight');
    expect(await param('step')).toBe('1');
    await expect(text('stepper-position')).resolves.toMatch(/^Token 2 of/);
    expect((await prefix()).slice(0, 1)).toEqual(first);
    expect(await prefix()).toHaveLength(2);
    await expect(text('stepper-live')).resolves.toMatch(/^Step 2 of \d+: .+, probability /);

    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await param('step')).toBe('-1');
    await expect(text('stepper-position')).resolves.toMatch(/^Image step \(t = −1\)$/);
    await expect(text('stepper-explain')).resolves.toContain('x₋₁');
    expect(await page.locator('[data-testid="bars-host"]').isHidden()).toBe(true);
    await expect(text('stepper-live')).resolves.toMatch(/^Image step/);
    // Not below the image step.
    await page.keyboard.press('ArrowLeft');
    expect(await param('step')).toBe('-1');

    // Inside a number field the arrow keys belong to the field, not the stepper.
    await tabTo('[data-testid="seed"]');
    await page.keyboard.press('ArrowRight');
    expect(await param('step')).toBe('-1');
    await stepTo(0);
  });

  test('the chosen word’s bar is highlighted, and p_t bars carry probabilities that sum to at most 1', async () => {
    await stepTo(0);
    const bars = page.locator('[data-testid="bars"] .pt-bar');
    const n = await bars.count();
    expect(n).toBeGreaterThan(1);
    expect(n).toBeLessThanOrEqual(11);
    const ps = await bars.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.p)));
    expect(ps.reduce((s, p) => s + p, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(ps.every((p) => p > 0)).toBe(true);
    const chosen = page.locator('[data-testid="bars"] .pt-bar.chosen');
    await expect(chosen.count()).resolves.toBe(1);
    const word = (await chosen.locator('.pt-word').textContent())!.replace(/ \(#\d+\)$/, '');
    expect((await prefix()).at(-1)).toBe(word);
    await expect(text('entropy')).resolves.toMatch(/^Entropy of pₜ: \d+\.\d\d nats/);
  });

  test('forcing a word with the keyboard (Tab to its bar, Enter) re-decodes from it and puts it in the URL', async () => {
    await stepTo(0);
    const before = await text('caption-beam');
    await focusBody();
    await tabTo('[data-testid="bars"] .pt-bar:not([aria-disabled="true"])');
    const token = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.token!);
    const word = await page.evaluate(() => document.activeElement!.querySelector('.pt-word')!.textContent!.replace(/ \(#\d+\)$/, ''));
    await page.keyboard.press('Enter');

    await page.waitForFunction((w) => new URLSearchParams(location.search).get('force') === w, word, { timeout: 30_000 });
    // The session re-decodes: the beam caption now starts with the forced word.
    await page.waitForFunction((w) => (document.querySelector('[data-testid="caption-beam"]')?.textContent ?? '').split(' ')[0] === w, word, { timeout: 30_000 });
    expect(await text('caption-beam')).not.toBe(before);
    // Step 0 now shows the forced word, chosen and marked, and keyboard focus stayed on the chart.
    const forced = page.locator('[data-testid="bars"] .pt-bar.forced');
    await expect(forced.getAttribute('data-token')).resolves.toBe(token);
    await expect(forced.locator('.pt-tag').textContent()).resolves.toBe('forced');
    expect(await page.locator('[data-testid="stepper-prefix"] .prefix-word.forced').allTextContents()).toEqual([word]);
    expect(await page.evaluate(() => document.activeElement?.classList.contains('pt-bar'))).toBe(true);
    for (const d of ['greedy', 'sample', 'beam']) expect((await text(`caption-${d}`)).split(' ')[0]).toBe(word);

    // Reset clears the forced words.
    await tabTo('[data-testid="force-reset"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !new URLSearchParams(location.search).has('force'), null, { timeout: 30_000 });
    await page.waitForFunction((b) => document.querySelector('[data-testid="caption-beam"]')?.textContent === b, before, { timeout: 30_000 });
  });

  test('switching decoders with the keyboard makes the stepper walk that decoder’s caption', async () => {
    await focusBody();
    await tabTo('[data-testid="decoder-card-greedy"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('decoder') === 'greedy');
    await expect(page.locator('[data-testid="decoder-card-greedy"]').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(page.locator('[data-testid="decoder-card-beam"]').getAttribute('aria-pressed')).resolves.toBe('false');
    expect(await page.locator('[data-testid="decoder-greedy"]').isChecked()).toBe(true);

    // Walk to the end: the stepped words are greedy's caption (then `<end>`, if it finished).
    await stepToEnd();
    const words = (await prefix()).filter((w) => w !== '<end>');
    expect(words.join(' ')).toBe(await text('caption-greedy'));

    // And the radio group does the same: Tab reaches the checked radio, → picks the next one (sampling).
    await tabTo('input[name="decoder"]:checked');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('decoder') === 'sample');
    await expect(page.locator('[data-testid="decoder-card-sample"]').getAttribute('aria-pressed')).resolves.toBe('true');
    await stepToEnd();
    expect((await prefix()).filter((w) => w !== '<end>').join(' ')).toBe(await text('caption-sample'));
    await stepTo(0);
  });

  test('temperature redraws p_t from the cached logits, before any new decode result', async () => {
    await stepTo(0);
    const out = await page.evaluate(() => {
      const read = () => [...document.querySelectorAll<HTMLElement>('[data-testid="bars"] .pt-bar')].map((b) => ({ p: Number(b.dataset.p), p1: Number(b.dataset.p1), token: b.dataset.token }));
      const results = window.__decodeStepper!.results;
      const before = read();
      const slider = document.querySelector<HTMLInputElement>('[data-testid="temperature"]')!;
      slider.value = '85'; // T ≈ 2.5
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      // Same task: the session has had no chance to decode again; only the cached logits were used.
      return { before, after: read(), resultsBefore: results, resultsAfter: window.__decodeStepper!.results, label: document.querySelector('[data-testid="temperature-value"]')!.textContent };
    });
    expect(out.resultsAfter).toBe(out.resultsBefore);
    expect(out.label).toBe('2.51');
    expect(out.after.map((b) => b.token)).toEqual(out.before.map((b) => b.token));
    expect(out.after[0]!.p).toBeLessThan(out.before[0]!.p); // hotter: flatter
    out.after.forEach((b, k) => expect(b.p1).toBeCloseTo(out.before[k]!.p, 9)); // T = 1 kept beside it
    expect(await param('temperature')).toBe('2.51');
    await expect(text('bars-note')).resolves.toContain('temperature T = 2.51');
    // Every bar carries its T = 1 tick (a new sample may since have added the chosen word's bar).
    expect(await page.locator('[data-testid="bars"] .pt-tick').count()).toBe(await page.locator('[data-testid="bars"] .pt-bar').count());

    // From the keyboard: ← on the slider cools it, and the bars follow.
    await tabTo('[data-testid="temperature"]');
    const top = async () => Number(await page.locator('[data-testid="bars"] .pt-bar').first().getAttribute('data-p'));
    const hot = await top();
    for (let k = 0; k < 30; k++) await page.keyboard.press('ArrowLeft');
    expect(await param('temperature')).toBe('0.629'); // 3 significant digits
    expect(await top()).toBeGreaterThan(hot);
    await expect(text('softmax-note')).resolves.toMatch(/^At T = 0\.\d+; at T = 1 the model gives/);
  });

  test('the maths panel shows one factor per word and the current step’s softmax', async () => {
    await stepTo(0);
    const factors = page.locator('[data-testid="chain-rule-factors"] li');
    const steps = Number((await text('stepper-position')).match(/of (\d+)/)![1]);
    await expect(factors.count()).resolves.toBe(steps);
    await expect(page.locator('[data-testid="chain-rule-factors"] li.current').count()).resolves.toBe(1);
    // KaTeX rendered (its MathML is what screen readers read) and wrote no error box.
    expect(await page.locator('[data-testid="softmax-live"] .katex math').count()).toBe(1);
    expect(await page.locator('.live-equations .katex-error').count()).toBe(0);
    const tex = await page.locator('[data-testid="softmax-live"] annotation').textContent();
    expect(tex).toMatch(/^p_\{.*\} = \\frac\{e\^\{-?\d+\.\d\d \/ [\d.]+\}\}/);
  });

  test('hovering a bar lights it up through the linked-hover bus', async () => {
    const bar = page.locator('[data-testid="bars"] .pt-bar').nth(1);
    await bar.hover();
    await expect(bar.getAttribute('class')).resolves.toContain('linked');
    await page.mouse.move(0, 0);
    await expect(bar.getAttribute('class')).resolves.not.toContain('linked');
  });

  test('has no accessibility violations axe-core can find in these views, light and dark', async () => {
    await injectAxe(page);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(ctx: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe;
        return (await axe.run({ include: [['.decoding'], ['.decoder-controls']] })).violations.map((v) => `${v.id} (${v.nodes.length})`);
      });
      expect(violations, colorScheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: null });
  });

  test('logs no console errors', async () => {
    expect(errors).toEqual([]);
  });
});
