#!/usr/bin/env node
/**
 * A tiny static file server for the built site (dist/), used by the e2e tests instead of
 * `astro preview` so the tests see exactly the files a static host would serve.
 * Binds 127.0.0.1 only; port 0 picks a free port. Usage: node scripts/serve-static.mjs [dir] [port]
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  // Must be exact: WebAssembly.instantiateStreaming refuses any other type.
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

/** Maps a URL path to a file under root, or null when it would escape root. */
export function resolvePath(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? null : file;
}

async function findFile(file) {
  const s = await stat(file).catch(() => null);
  if (s?.isFile()) return { file, size: s.size };
  if (s?.isDirectory()) return findFile(path.join(file, 'index.html'));
  // Astro's default "directory" format also accepts /page.html for /page.
  if (!path.extname(file)) {
    const html = await stat(file + '.html').catch(() => null);
    if (html?.isFile()) return { file: file + '.html', size: html.size };
  }
  return null;
}

/** Starts the server; resolves to { origin, close() }. */
export function serveStatic(dir, { port = 0, host = '127.0.0.1' } = {}) {
  const root = path.resolve(dir);
  const server = createServer(async (req, res) => {
    const send = (status, text) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const target = resolvePath(root, new URL(req.url ?? '/', 'http://x').pathname);
    const found = target && (await findFile(target));
    if (!found) return send(404, 'not found');
    res.writeHead(200, {
      'content-type': MIME_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': found.size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(found.file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({
        origin: `http://${host}:${actual}`,
        close: () => new Promise((done) => server.close(() => done(undefined))),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir = 'dist', port = '0'] = process.argv.slice(2);
  const { origin } = await serveStatic(dir, { port: Number(port) });
  console.log(`serving ${path.resolve(dir)} at ${origin}/`);
}
