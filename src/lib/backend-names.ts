/**
 * The tfjs backends' names and how the page names them to the reader. Its own module, free of
 * tfjs, so the status line can import it without pulling the 600 kB TensorFlow.js bundle onto the
 * page's first-paint path (module scripts run in document order).
 */
export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** How the page names each backend to the reader. */
export const BACKEND_LABELS: Record<BackendName, string> = {
  webgl: 'WebGL (GPU)',
  wasm: 'WebAssembly (CPU)',
  cpu: 'plain JavaScript (CPU, slow)',
};
