/**
 * Serves the built site (dist/) with scripts/serve-static.mjs for the e2e tests, on 127.0.0.1 and
 * a free port, and hands the origin to the tests (inject('origin')).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { serveStatic } from '../../scripts/serve-static.mjs';
import { CHROMIUM } from './browser';

declare module 'vitest' {
  export interface ProvidedContext {
    origin: string;
  }
}

export default async function setup(project: TestProject) {
  const dist = path.resolve('dist');
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error('e2e: dist/index.html is missing; run `npm run build` first (`npm test` does both).');
  if (!existsSync(CHROMIUM)) throw new Error(`e2e: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\` (.ci/run does).`);
  const server = await serveStatic(dist);
  project.provide('origin', server.origin);
  return () => server.close();
}
