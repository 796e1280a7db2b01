/**
 * Picks the tfjs backend for the page: WebGL where it initialises, else wasm, else the pure-JS cpu
 * backend. `?backend=wasm` (or webgl, cpu) puts one first — the e2e tests force wasm because headless
 * Chromium's WebGL is a slow software path (design.md §7).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { BACKENDS, type BackendName } from './backend-names';

export { BACKEND_LABELS, BACKENDS, type BackendName } from './backend-names';

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
  // tfjs refuses a software-rendered WebGL (failIfMajorPerformanceCaveat) unless told otherwise;
  // a reader (or a test) who asks for webgl by name gets it, slow or not.
  if (order[0] === 'webgl') tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
  for (const name of order) {
    if (name === 'wasm' && typeof WebAssembly !== 'object') continue; // e.g. a locked-down browser
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


/** The backends to fall back on once `failed` stopped working, in preference order. */
export function fallbacksAfter(failed: BackendName): BackendName[] {
  return BACKENDS.filter((b) => b !== failed && b !== 'webgl');
}

/**
 * Calls `onLost` once if the WebGL backend's context is lost (a GPU reset, a driver update, the
 * browser reclaiming GPU memory from a background tab). tfjs cannot recover its textures after
 * that, so the session moves to another backend. Returns an unsubscribe function; a no-op when
 * the active backend is not WebGL.
 */
export function onWebglContextLost(onLost: () => void): () => void {
  if (tf.getBackend() !== 'webgl') return () => {};
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext | WebGL2RenderingContext } };
  const canvas = backend.gpgpu?.gl?.canvas as (HTMLCanvasElement | OffscreenCanvas) | undefined;
  if (!canvas) return () => {};
  const handler = () => onLost();
  canvas.addEventListener('webglcontextlost', handler, { once: true });
  return () => canvas.removeEventListener('webglcontextlost', handler);
}

/**
 * Leaves a backend that stopped working: tfjs's registry keeps the dead instance, so it is removed
 * (its tensors are gone with the context), and the first fallback that starts becomes active.
 */
export async function switchBackend(from: BackendName, wasmDir: string): Promise<BackendName> {
  try {
    tf.removeBackend(from);
  } catch {
    // Already gone; nothing to free.
  }
  return initBackend(fallbacksAfter(from), wasmDir);
}
