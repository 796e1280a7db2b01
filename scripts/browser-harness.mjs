/**
 * Shared by the e2e tests and the benches: how to start Debian's Chromium here (design.md §7), and
 * how to bundle a small browser entry (a harness served on the site's own origin with page.route).
 */
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Without the background-networking flags Chromium keeps calling hosts this network refuses. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A headless Chromium with a fresh temporary profile. */
export function launchChromium(executablePath = CHROMIUM) {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/** Bundle one TypeScript browser entry into a single ES module, returned as text. */
export async function bundleForBrowser(entry) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const js = result.outputFiles[0];
  if (!js) throw new Error(`esbuild produced no output for ${entry}`);
  return js.text;
}
