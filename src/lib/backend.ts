/**
 * Picks the tfjs backend for the page: WebGL where it initialises, else wasm, else the pure-JS cpu
 * backend. `?backend=wasm` (or webgl, cpu) puts one first — the e2e tests force wasm because headless
 * Chromium's WebGL is a slow software path (design.md §7).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The backend asked for in a query string (`?backend=wasm`), or null. */
export function requestedBackend(search: string): BackendName | null {
  const value = new URLSearchParams(search).get('backend');
  return (BACKENDS as readonly string[]).includes(value ?? '') ? (value as BackendName) : null;
}

/** The order to try: the requested backend first, then the default preference. */
export function backendOrder(requested: BackendName | null): BackendName[] {
  return requested ? [requested, ...BACKENDS.filter((b) => b !== requested)] : [...BACKENDS];
}

/**
 * Initialises the first backend of `order` that works and returns its name.
 * `wasmDir` is the URL folder holding the .wasm files (our own origin, never a CDN); it must end in "/".
 */
export async function initBackend(order: readonly BackendName[], wasmDir: string): Promise<BackendName> {
  // tfjs would otherwise fetch the binaries from next to its own script (a hashed bundle folder).
  setWasmPaths(wasmDir);
  for (const name of order) {
    try {
      // setBackend resolves false (or throws) when the backend cannot initialise here.
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // Try the next one; tfjs has already logged why.
    }
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${order.join(', ')})`);
}
