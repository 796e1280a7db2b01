/**
 * One store shared by every island (nanostores, as Astro's docs recommend for state across
 * islands), mirrored to the URL so any step of any example is a link.
 */
import { atom, map } from 'nanostores';
import type { Trace } from '../model/trace';
import { DEFAULT_STATE, parseState, serializeState, type AppState } from './state';

export const $state = map<AppState>({ ...DEFAULT_STATE });
/** Notes about ignored URL values, shown once to the reader. */
export const $notes = atom<string[]>([]);

/** What decoding the current image produced: every view renders from this, never from the model. */
export interface DecodeResult {
  /** Which image these traces belong to (photo id, 'upload' or 'webcam'). */
  photo: string;
  feature: Float32Array;
  classes: { name: string; score: number }[];
  /** The vocabulary, id → word. */
  words: readonly string[];
  traces: { greedy: Trace; sample: Trace; beam: Trace };
  /** True while these traces come from a precomputed file rather than the live model. */
  precomputed: boolean;
}
export const $result = atom<DecodeResult | null>(null);

/**
 * The reader's own image in this tab (an upload or a camera frame), as every photo figure on the
 * page shows it. Its pixels live only in the Session; this is the preview (a blob: URL) and its
 * words. Shared so that two figures on one page (the article's caption figure and the image
 * picker) agree that `photo = upload` is a real image, not a link that cannot carry one.
 */
export interface OwnImagePreview {
  kind: 'upload' | 'webcam';
  previewUrl: string;
  alt: string;
  credit: string;
  references?: string[];
  /** Radio value when the image came from the Flickr8k gallery. */
  flickr8kId?: string;
}
export const $ownImage = atom<OwnImagePreview | null>(null);

/**
 * Model/backend status, rendered by ModelStatus.astro on any page that runs a Session:
 * 'loading' (with a download progress bar), 'ready', or 'error' (with a Retry button when
 * `retry` is true — a model file that failed to download may well arrive on a second try).
 */
export interface ModelStatus {
  phase: 'loading' | 'ready' | 'error';
  /** One sentence for the reader. */
  message: string;
  /** The tfjs backend that runs the model ('webgl', 'wasm' or 'cpu'), once one has started. */
  backend?: string;
  /** Download progress of the file being fetched, 0–1 (absent when unknown). */
  progress?: number;
  /** Bytes received so far of the file being fetched, and its size when the server said it. */
  loaded?: number;
  total?: number;
  /** The model file at fault, when an error names one (e.g. "flickr8k/weights.bin"). */
  file?: string;
  /** True when the error is worth a Retry button (model loading failed). */
  retry?: boolean;
}
export const $status = atom<ModelStatus>({ phase: 'loading', message: 'Loading the model…' });

export function setState(patch: Partial<AppState>): void {
  for (const [k, v] of Object.entries(patch)) $state.setKey(k as keyof AppState, v as never);
}

let syncing = false;
/** Read the URL once, then keep it in step with the store (replaceState: no history spam while stepping). */
export function syncWithUrl(win: Window = window): void {
  if (syncing) return;
  syncing = true;
  const { state, notes } = parseState(win.location.search);
  $state.set(state);
  $notes.set(notes);
  // Written synchronously, so the URL is current as soon as a handler returns (views and tests
  // read it in the same task). Batching these writes would be faster; see the closing note.
  // `backend` is not app state but a reader's (or test's) choice of tfjs backend (src/lib/backend.ts):
  // keep it in the URL, so a reload after any change still runs where it was asked to.
  const backend = new URLSearchParams(win.location.search).get('backend');
  $state.listen((s) => {
    const query = serializeState(s);
    const keep = backend && /^[a-z]+$/.test(backend) ? `${query ? `${query}&` : '?'}backend=${backend}` : query;
    win.history.replaceState(null, '', `${win.location.pathname}${keep}${win.location.hash}`);
  });
}

/** The shareable link for the current state. */
export function linkToState(win: Window = window): string {
  return `${win.location.origin}${win.location.pathname}${serializeState($state.get())}`;
}
