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

/** Model/backend status for the status line: 'loading', 'ready' or an error message. */
export const $status = atom<{ phase: 'loading' | 'ready' | 'error'; message: string; backend?: string; progress?: number }>({ phase: 'loading', message: 'Loading the model…' });

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
  $state.listen((s) => {
    win.history.replaceState(null, '', `${win.location.pathname}${serializeState(s)}${win.location.hash}`);
  });
}

/** The shareable link for the current state. */
export function linkToState(win: Window = window): string {
  return `${win.location.origin}${win.location.pathname}${serializeState($state.get())}`;
}
