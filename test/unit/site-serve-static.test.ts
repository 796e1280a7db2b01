/** scripts/serve-static.mjs: the server the e2e tests put in front of dist/. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolvePath, serveStatic } from '../../scripts/serve-static.mjs';

describe('serve-static', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'serve-static-'));
  let server: { origin: string; close(): Promise<unknown> };

  beforeAll(async () => {
    mkdirSync(path.join(root, 'wasm'));
    mkdirSync(path.join(root, 'about'));
    writeFileSync(path.join(root, 'index.html'), '<h1>home</h1>');
    writeFileSync(path.join(root, 'about/index.html'), 'about');
    writeFileSync(path.join(root, 'wasm/x.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(path.join(root, 'model.json'), '{}');
    writeFileSync(path.join(root, 'a b.jpg'), 'jpg');
    server = await serveStatic(root);
  });
  afterAll(() => server.close());

  const get = (p: string) => fetch(server.origin + p);

  test('listens on 127.0.0.1 on a free port', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.origin).not.toMatch(/:0$/);
  });

  test.each([
    ['/', 'text/html; charset=utf-8'],
    ['/about/', 'text/html; charset=utf-8'],
    ['/about', 'text/html; charset=utf-8'],
    ['/wasm/x.wasm', 'application/wasm'],
    ['/model.json', 'application/json; charset=utf-8'],
    ['/a%20b.jpg', 'image/jpeg'],
  ])('serves %s as %s', async (url, type) => {
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
  });

  test('serves the bytes of the file', async () => {
    expect(new Uint8Array(await (await get('/wasm/x.wasm')).arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
  });

  test('answers 404 for missing files', async () => {
    expect((await get('/nope.js')).status).toBe(404);
  });

  test('never serves a file outside its root', () => {
    expect(resolvePath(root, '/../etc/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(resolvePath(root, '/%2e%2e/%2e%2e/etc/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(resolvePath(root, '/..%2f..%2fetc/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(resolvePath(root, '/%00')).toBeNull();
    expect(resolvePath(root, '/%E0%A4%A')).toBeNull();
  });
});
