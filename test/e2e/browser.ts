/** Debian's Chromium driven by playwright-core (design.md §7): no browser download, no background traffic. */
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CHROMIUM, launchChromium } from '../../scripts/browser-harness.mjs';

export { CHROMIUM };

export function launch(): Promise<Browser> {
  return launchChromium();
}

/** Console errors and uncaught exceptions of a page, collected from the moment it opens. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

/** Waits for a non-empty caption; on timeout, the status line says why. */
export async function waitForCaption(page: Page, timeout = 90_000): Promise<string> {
  try {
    await page.waitForFunction(() => (document.querySelector('[data-testid="caption"]')?.textContent ?? '').trim().length > 0, null, { timeout });
  } catch (e) {
    const status = await page.locator('[data-testid="status"]').textContent();
    throw new Error(`no caption after ${timeout} ms; the page's status line says: ${status}`, { cause: e });
  }
  return ((await page.locator('[data-testid="caption"]').textContent()) ?? '').trim();
}

/**
 * Load axe-core into the page. Evaluated rather than added as a <script> tag: the site's CSP
 * forbids inline scripts, and the accessibility checks must run under the real policy.
 */
export async function injectAxe(page: Page): Promise<void> {
  await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
}

/** axe-core's serious and critical violations in the page as it is now (the whole page, or `include`). */
export async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  await injectAxe(page);
  return page.evaluate(async (sel) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run({ include: sel ? [[sel]] : [['html']] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  }, include);
}
