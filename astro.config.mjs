// @ts-check
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'astro/config';
import { buildServiceWorker } from './scripts/build-sw.mjs';

// Builds must work offline (CI here has no internet): don't post usage telemetry to astro.build.
// Set ASTRO_TELEMETRY_DISABLED=0 in the environment to opt back in.
process.env.ASTRO_TELEMETRY_DISABLED ??= '1';

// A static site: every page is built to dist/ and can be served by any static host.
// Set BASE_PATH (e.g. "/show-and-tell/") to host it under a sub-path; the page builds every URL
// from import.meta.env.BASE_URL, so nothing else needs to change.
/**
 * Astro keeps node-fetch out of Vite's dev pre-bundling, so in `astro dev` the browser was sent
 * tfjs-core's (never called) Node-only `require('node-fetch')` and failed on whatwg-url. Browsers
 * have fetch: give client code an empty module instead. (`astro build` already drops it through
 * tfjs-core's "browser" field.)
 */
const noNodeFetchInBrowser = {
  name: 'no-node-fetch-in-browser',
  enforce: /** @type {const} */ ('pre'),
  /** @param {string} id @param {string | undefined} _importer @param {{ ssr?: boolean } | undefined} options */
  resolveId(id, _importer, options) {
    return id === 'node-fetch' && !options?.ssr ? '\0empty-node-fetch' : null;
  },
  /** @param {string} id */
  load(id) {
    return id === '\0empty-node-fetch' ? 'export default {};' : null;
  },
};

/**
 * Writes dist/sw.js (the offline service worker, scripts/build-sw.mjs) at the end of every
 * `astro build`, however it was started, so the worker's file list always matches the build.
 */
const offlineServiceWorker = {
  name: 'offline-service-worker',
  hooks: {
    /** @param {{ dir: URL, logger: { info(message: string): void } }} options */
    'astro:build:done': ({ dir, logger }) => {
      const { version, count, bytes } = buildServiceWorker(fileURLToPath(dir));
      logger.info(`sw.js version ${version}: ${count} files, ${(bytes / 1e6).toFixed(1)} MB precached for offline use`);
    },
  },
};

export default defineConfig({
  integrations: [offlineServiceWorker],
  output: 'static',
  base: process.env.BASE_PATH ?? '/',
  trailingSlash: 'ignore',
  devToolbar: { enabled: false },
  // The article has a Korean edition under /ko/; English stays at the root.
  i18n: { defaultLocale: 'en', locales: ['en', 'ko'], routing: { prefixDefaultLocale: false } },
  // The Content-Security-Policy (src/components/SiteHead.astro) allows no inline <style>: every
  // stylesheet is a file.
  build: { inlineStylesheets: 'never' },
  vite: {
    plugins: [noNodeFetchInBrowser],
    // tfjs repeats its Apache-2.0 header in every module (about 1,000 times); keep one copy of each
    // distinct legal comment, at the end of the bundle.
    esbuild: { legalComments: 'eof' },
    build: {
      // tfjs (core + three backends + converter) is one big, deliberate chunk.
      chunkSizeWarningLimit: 2500,
      // Nothing inlined: Astro would otherwise inline small scripts as <script> text (which the
      // CSP's script-src 'self' forbids) and Vite small assets (fonts, images) as data: URLs.
      assetsInlineLimit: 0,
    },
  },
});
