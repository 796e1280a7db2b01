/**
 * The beam tree on the explore page, with the live model on wasm: the drawing matches the Trace
 * (read back from the SVG's data attributes), it grows with the step, k = 1 is the greedy path, the
 * keyboard works, hover is linked with the stepper's p_t bars, and motion follows the reader's
 * setting. The Trace comes from `window.__beamTree.snapshot()`, which reads the store, not the SVG.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { BeamTreeDebug } from '../../src/components/views/beam-tree';
import { collectErrors, launch, injectAxe } from './browser';

const origin = inject('origin');
const SVG = '[data-testid="beam-tree-svg"]';
const NODE = `${SVG} g.bt-node:not(.exiting)`;

type Snapshot = NonNullable<ReturnType<BeamTreeDebug['snapshot']>>;
interface Drawn {
  id: number;
  parent: number;
  step: number;
  token: number;
  logp: number;
  score: number;
  status: string;
  best: boolean;
  opacity: string;
}

declare global {
  interface Window {
    __beamTree?: BeamTreeDebug;
  }
}

function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate(() => window.__beamTree!.snapshot()!);
}

/** Waits until the store holds a beam trace searched with this k. */
async function waitForTrace(page: Page, k: number): Promise<Snapshot> {
  await page.waitForFunction((want) => window.__beamTree?.snapshot()?.k === want, k, { timeout: 90_000 });
  return snapshot(page);
}

function drawn(page: Page): Promise<Drawn[]> {
  return page.$$eval(NODE, (els) =>
    els.map((e) => {
      const d = (e as SVGGElement).dataset;
      return { id: +d.nodeId!, parent: +d.parent!, step: +d.step!, token: +d.token!, logp: +d.logp!, score: +d.score!, status: d.status!, best: d.best === 'true', opacity: (e as SVGGElement).style.opacity };
    }),
  );
}

/** The tree's own k slider, or the page's decoder controls' where the tree is placed without one. */
async function kSlider(page: Page) {
  const own = page.locator('[data-beam-tree] [data-role="k"]');
  return (await own.count()) > 0 ? own : page.locator('[data-testid="beam-k"]');
}

/** A state value from the URL; the state module leaves defaults out (step 0, node −1, k 3). */
const DEFAULTS: Record<string, string> = { step: '0', node: '-1', k: '3' };
const urlParam = (page: Page, key: string) => new URL(page.url()).searchParams.get(key) ?? DEFAULTS[key] ?? null;

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('beam tree (explore page, live model on wasm)', () => {
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = collectErrors(page);
    // Reduced motion for the structural tests: no element is mid-transition when it is read.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(`${origin}/explore/?backend=wasm&k=3&step=40`);
    await waitForTrace(page, 3);
  }, 120_000);

  test('draws every node of the trace with its parent, log p, score and status', async () => {
    const trace = await snapshot(page);
    const showAll = page.locator('[data-beam-tree] [data-role="show-all"]');
    const collapsed = !(await showAll.isDisabled());
    if (collapsed) await showAll.click();
    const nodes = await drawn(page);
    expect(nodes.length).toBe(trace.nodes.length);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const n of trace.nodes) {
      const d = byId.get(n.id)!;
      expect(d, `node ${n.id}`).toBeDefined();
      expect([d.parent, d.step, d.token, d.status]).toEqual([n.parent, n.step, n.token, n.status]);
      expect(d.logp).toBeCloseTo(n.logp, 9);
      expect(d.score).toBeCloseTo(n.score, 9);
    }
    // One link per non-root node, joining it to its parent.
    const links = await page.$$eval(`${SVG} path.bt-link:not(.exiting)`, (els) => els.map((e) => [+(e as SVGPathElement).dataset.source!, +(e as SVGPathElement).dataset.target!]));
    expect(links.length).toBe(trace.nodes.length - 1);
    for (const [source, target] of links) expect(trace.nodes[target!]!.parent).toBe(source);
    // The best path is marked from the root to the best hypothesis.
    const best: number[] = [];
    for (let id = trace.best; id >= 0; id = trace.nodes[id]!.parent) best.unshift(id);
    expect(nodes.filter((n) => n.best).map((n) => n.id).sort((a, b) => a - b)).toEqual([...best].sort((a, b) => a - b));
    // The text alternative lists the same nodes.
    // (It is rebuilt just after the tree paints.)
    await expect.poll(() => page.locator('[data-testid="beam-tree-list"] li[data-node-id]').count()).toBe(trace.nodes.length);
    if (collapsed) await showAll.click();
  });

  test('grows one column per step, from the root alone at the image step', async () => {
    const trace = await snapshot(page);
    const maxStep = Math.max(...trace.nodes.map((n) => n.step));
    const back = page.locator('[data-beam-tree] [data-role="step-back"]');
    const forward = page.locator('[data-beam-tree] [data-role="step-forward"]');
    for (let i = 0; i < maxStep + 2; i++) await back.click();
    expect(urlParam(page, 'step')).toBe('-1');
    expect((await drawn(page)).map((n) => n.id)).toEqual([0]);
    for (let step = 0; step <= maxStep; step++) {
      await forward.click();
      const nodes = await drawn(page);
      expect(Math.max(...nodes.map((n) => n.step))).toBe(step);
      // Every kept or finished candidate up to this step is drawn (pruned ones may be collapsed).
      const expected = trace.nodes.filter((n) => n.step <= step && n.status !== 'pruned').map((n) => n.id);
      expect(nodes.map((n) => n.id)).toEqual(expect.arrayContaining(expected));
    }
    expect(urlParam(page, 'step')).toBe(String(maxStep));
  });

  test('keyboard: Tab into the tree, arrows move between nodes and steps, Enter selects', async () => {
    await page.locator('[data-beam-tree] [data-role="step-all"]').click();
    const trace = await snapshot(page);
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as SVGGElement | null;
      return el?.classList.contains('bt-node') ? +el.dataset.nodeId! : null;
    });
    await page.locator('[data-beam-tree] [data-role="as-list"]').focus();
    await page.keyboard.press('Tab');
    expect(await focused()).not.toBeNull();
    await page.keyboard.press('Home');
    expect(await focused()).toBe(0);
    await page.keyboard.press('ArrowRight');
    const first = trace.nodes.filter((n) => n.parent === 0);
    const bestChild = (() => {
      let id = trace.best;
      while (trace.nodes[id]!.parent !== 0) id = trace.nodes[id]!.parent;
      return id;
    })();
    expect(await focused()).toBe(bestChild);
    // ↓ then ↑ within the column comes back; both stay in step 0.
    await page.keyboard.press('ArrowDown');
    const below = await focused();
    expect(first.map((n) => n.id)).toContain(below);
    expect(below).not.toBe(bestChild);
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe(bestChild);
    await page.keyboard.press('ArrowLeft');
    expect(await focused()).toBe(0);
    // Enter selects: the URL holds the node and the detail explains it.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    expect(urlParam(page, 'node')).toBe(String(bestChild));
    await expect(page.locator(`${NODE}[data-node-id="${bestChild}"]`).getAttribute('aria-pressed')).resolves.toBe('true');
    // Shift+← steps the tree back: the step goes down and focus falls back to the shown part.
    await page.keyboard.press('End');
    const before = Number(urlParam(page, 'step'));
    await page.keyboard.press('Shift+ArrowLeft');
    expect(Number(urlParam(page, 'step'))).toBe(before - 1);
    const f = await focused();
    expect(f).not.toBeNull();
    expect(trace.nodes[f!]!.step).toBeLessThanOrEqual(before - 1);
    // → from the root at the image step grows the tree by one step.
    await page.keyboard.press('Home');
    for (let i = 0; i < before + 1; i++) await page.keyboard.press('Shift+ArrowLeft');
    expect(urlParam(page, 'step')).toBe('-1');
    await page.keyboard.press('ArrowRight');
    expect(urlParam(page, 'step')).toBe('0');
    expect(await focused()).toBe(bestChild);
  });

  test('the selected node shows its prefix, its next-word bars and its score worked out', async () => {
    await page.locator('[data-beam-tree] [data-role="step-all"]').click();
    const trace = await snapshot(page);
    await page.locator(`${NODE}[data-node-id="${trace.best}"]`).click();
    expect(urlParam(page, 'node')).toBe(String(trace.best));
    const detail = page.locator('[data-testid="beam-node-detail"]');
    const path = await page.$$eval(`${NODE}.best`, (els) => els.map((e) => [+(e as SVGGElement).dataset.step!, (e.querySelector('.bt-word')?.textContent ?? '').replace(/ ✂$/, '')] as const));
    const words = path.sort((a, b) => a[0] - b[0]).map(([, w]) => w);
    expect(words[0]).toBe('<start>');
    await expect(detail.locator('.bt-prefix-words').textContent()).resolves.toBe(words.slice(1).join(' '));
    const best = trace.nodes[trace.best]!;
    const tex = (await detail.locator('.bt-maths annotation').textContent()) ?? '';
    expect(tex).toContain(best.score.toFixed(3));
    expect(tex).toContain(`\\text{score}`);
    // A finished node was never expanded: no next-word bars; the root's bars are p_0.
    await expect(detail.locator('[data-testid="beam-node-bars"] li').count()).resolves.toBe(0);
    await page.locator(`${NODE}[data-node-id="0"]`).click();
    const bars = await detail.locator('[data-testid="beam-node-bars"] li').count();
    expect(bars).toBeGreaterThan(0);
    const tags = await detail.locator('.bt-bar-tag').allTextContents();
    expect(tags.filter((t) => t === 'kept' || t === 'finished').length).toBe(trace.nodes.filter((n) => n.parent === 0 && n.status !== 'pruned').length);
  });

  test("hover is linked both ways with the stepper's p_t bars", async () => {
    await page.locator('[data-beam-tree] [data-role="step-back"]').click();
    // Step 0: the tree's first column and the stepper's bars are both about the first word.
    while (Number(urlParam(page, 'step')) > 0) await page.locator('[data-beam-tree] [data-role="step-back"]').click();
    const node = page.locator(`${NODE}[data-step="0"]`).first();
    const token = await node.getAttribute('data-token');
    await node.hover();
    await expect(page.locator(`.pt-bar[data-token="${token}"]`).first().getAttribute('class')).resolves.toContain('linked');
    // Its path to the root lights up too.
    await expect(page.locator(`${NODE}[data-node-id="0"]`).getAttribute('class')).resolves.toContain('on-path');
    await page.mouse.move(0, 0);
    const bar = page.locator('.pt-bar').nth(1);
    const barToken = await bar.getAttribute('data-token');
    await bar.hover();
    const matches = await page.$$eval(`${NODE}.token-match`, (els) => els.map((e) => +(e as SVGGElement).dataset.nodeId!));
    const expected = (await drawn(page)).filter((n) => n.step === 0 && String(n.token) === barToken).map((n) => n.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(matches.sort()).toEqual(expected.sort());
    await page.mouse.move(0, 0);
  });

  test('k = 1 collapses the tree to the greedy path', async () => {
    const k = await kSlider(page);
    await k.focus();
    await page.keyboard.press('Home');
    const trace = await waitForTrace(page, 1);
    expect(urlParam(page, 'k')).toBe('1');
    await page.locator('[data-beam-tree] [data-role="step-all"]').click();
    const nodes = await drawn(page);
    const path = nodes.filter((n) => n.best && n.step >= 0).sort((a, b) => a.step - b.step);
    expect(path.map((n) => n.token)).toEqual(trace.greedy);
    // Nothing but the greedy path survives (pruned stubs may hang off it).
    expect(nodes.filter((n) => n.status !== 'pruned').every((n) => n.best)).toBe(true);
    await k.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await waitForTrace(page, 3);
  });

  test('k = 10 stays readable: pruned candidates collapse into "+N more" stubs, and "Show all" draws them', async () => {
    const k = await kSlider(page);
    await k.focus();
    await page.keyboard.press('End');
    const trace = await waitForTrace(page, 10);
    await page.locator('[data-beam-tree] [data-role="step-all"]').click();
    const nodes = await drawn(page);
    const stubCounts = await page.$$eval(`${SVG} text.bt-stub:not(.exiting)`, (els) => els.map((e) => +(e as SVGTextElement).dataset.count!));
    expect(stubCounts.length).toBeGreaterThan(0);
    // Drawn nodes and the candidates the stubs count add up to the whole search.
    expect(nodes.length + stubCounts.reduce((a, b) => a + b, 0)).toBe(trace.nodes.length);
    // Only pruned candidates collapse.
    const shown = new Set(nodes.map((n) => n.id));
    for (const n of trace.nodes) if (n.status !== 'pruned') expect(shown.has(n.id), `node ${n.id} (${n.status})`).toBe(true);
    // Every link, stubs' included, is styled as a link (an unstyled path fills black).
    const links = page.locator(`${SVG} .bt-links path:not(.exiting)`);
    expect(await links.count()).toBe(nodes.length - 1 + stubCounts.length);
    expect(await links.evaluateAll((els) => els.filter((e) => !e.classList.contains('bt-link') || getComputedStyle(e).fill !== 'none').length)).toBe(0);
    const showAll = page.locator('[data-beam-tree] [data-role="show-all"]');
    await showAll.click();
    expect((await drawn(page)).length).toBe(trace.nodes.length);
    await showAll.click();
    await k.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight');
    await waitForTrace(page, 3);
  });

  test('the text alternative is a nested list that sighted readers can open', async () => {
    const list = page.locator('[data-testid="beam-tree-list"]');
    const button = page.locator('[data-beam-tree] [data-role="as-list"]');
    expect((await list.boundingBox())?.height ?? 0).toBeLessThanOrEqual(1);
    await button.click();
    await expect(button.getAttribute('aria-expanded')).resolves.toBe('true');
    expect((await list.boundingBox())?.height ?? 0).toBeGreaterThan(20);
    // Step back and forth: the list is updated in place, so check it still mirrors the tree.
    for (const role of ['step-back', 'step-back', 'step-forward']) await page.locator(`[data-beam-tree] [data-role="${role}"]`).click();
    const nodes = await drawn(page);
    const stubs = await page.locator(`${SVG} text.bt-stub:not(.exiting)`).count();
    await expect.poll(() => list.locator('li').count()).toBe(nodes.length + stubs);
    await expect(list.locator('li').first().textContent()).resolves.toMatch(/^start of the caption/);
    // Each item sits in its parent's item.
    const parents = await list.locator('li[data-node-id]').evaluateAll((els) => els.map((li) => [Number((li as HTMLElement).dataset.nodeId), Number((li.parentElement!.closest('li') as HTMLElement | null)?.dataset.nodeId ?? -1)]));
    const parentOf = new Map(nodes.map((n) => [n.id, n.parent]));
    expect(parents.length).toBe(nodes.length);
    for (const [id, parent] of parents) expect(parent, `list item of node ${id}`).toBe(parentOf.get(id!));
    await button.click();
  });

  test('honours prefers-reduced-motion: a new step appears at once, otherwise it is wiped in', async () => {
    // Step back, then step forward and read, in the same task as the click (before any
    // transition has run), the new column's nodes and the curtain that wipes it in.
    const curtain = () =>
      page.evaluate(() => {
        const c = document.querySelector<HTMLElement>('[data-beam-tree] .bt-curtain')!;
        return { x: parseFloat(c.style.left || '0'), width: parseFloat(c.style.width || '0'), running: c.getAnimations().length };
      });
    const stepOnce = async () => {
      await page.locator('[data-beam-tree] [data-role="step-back"]').click();
      await page.waitForTimeout(100);
      return page.evaluate(() => {
        const root = document.querySelector('[data-beam-tree]')!;
        root.querySelector<HTMLButtonElement>('[data-role="step-forward"]')!.click();
        // The deepest column is the new one (the URL is only written after this task).
        const nodes = [...root.querySelectorAll<SVGGElement>('g.bt-node:not(.exiting)')];
        const step = Math.max(...nodes.map((g) => Number(g.dataset.step)));
        const fresh = nodes.filter((g) => Number(g.dataset.step) === step);
        const c = root.querySelector<HTMLElement>('.bt-curtain')!;
        return {
          labelX: Number(fresh[0]!.querySelector('.bt-word')!.getAttribute('x')),
          curtain: { x: parseFloat(c.style.left || '0'), width: parseFloat(c.style.width || '0'), running: c.getAnimations().length },
          leftovers: fresh.filter((g) => g.style.opacity !== '' || g.hasAttribute('transform')).length,
        };
      });
    };
    await page.locator('[data-beam-tree] [data-role="step-all"]').click();
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const still = await stepOnce();
    // Reduced motion: no curtain, the column is drawn in place at once.
    expect(still.curtain.width).toBe(0);
    expect(still.curtain.running).toBe(0);
    expect(still.leftovers).toBe(0);
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    const moving = await stepOnce();
    // Animated: the curtain covers the new column's labels, then slides away.
    expect(moving.curtain.x).toBeLessThan(moving.labelX);
    expect(moving.curtain.x + moving.curtain.width).toBeGreaterThan(moving.labelX + 90);
    expect(moving.curtain.running).toBe(1);
    expect(moving.leftovers).toBe(0);
    await page.waitForTimeout(800);
    expect(await curtain()).toMatchObject({ width: 0, running: 0 });
    await page.emulateMedia({ reducedMotion: 'reduce' });
  });

  test('has no accessibility violations axe-core can find in the tree, light and dark; no script errors', async () => {
    await page.locator(`${NODE}[data-node-id="0"]`).click();
    await injectAxe(page);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(ctx: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
        return (await axe.run({ include: ['[data-beam-tree]'] })).violations.map((v) => `${v.id} (${v.nodes.length}: ${v.nodes[0]?.target.join(' ')})`);
      });
      expect(violations, colorScheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: null });
    // Resource loads are the page's business (index.test.ts checks them); the tree fetches nothing.
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});
