/**
 * Browser side of the precomputed traces: fetch public/traces/<photo>.json and publish it to
 * `$result` (marked `precomputed`) while the live model is still loading — or instead of it, on a
 * phone whose reader has not opted in. The live session overwrites it as soon as it decodes.
 *
 * Imports no tfjs: this runs first on the page, so the first figure paints before the 4 MB model
 * and the tfjs bundle arrive.
 */
import { $result, $state } from '../../state/store';
import { precomputedUrl, stateMatches, unpackFloats, unpackTrace, type PrecomputedFile } from '../../lib/precomputed-trace';

const cache = new Map<string, Promise<PrecomputedFile | null>>();

async function fetchFile(url: string): Promise<PrecomputedFile | null> {
  try {
    const res = await fetch(url);
    return res.ok ? ((await res.json()) as PrecomputedFile) : null;
  } catch {
    return null; // no precomputed file: the figures wait for the live model instead
  }
}

/**
 * Publish the precomputed traces for the current state if there are any and the state asks for
 * exactly what they hold. `fingerprint` is the model's, computed at build time; '' skips the check.
 * `words` is the vocabulary (fetched once, alongside). Returns whether something was published.
 */
export async function publishPrecomputed(base: string, fingerprint: string, words: () => Promise<readonly string[] | null>): Promise<boolean> {
  const state = $state.get();
  const url = precomputedUrl(base, state.photo);
  if (!url) return false;
  if (!cache.has(url)) cache.set(url, fetchFile(url));
  const [file, vocab] = await Promise.all([cache.get(url)!, words()]);
  if (!file || !vocab) return false;
  if (fingerprint && file.fingerprint !== fingerprint) return false; // made from another model
  const current = $state.get();
  // The live model has already answered, or the reader has moved on: never paint over it.
  if (($result.get() && !$result.get()!.precomputed) || !stateMatches(current, file)) return false;
  $result.set({
    photo: file.photo,
    feature: unpackFloats(file.feature),
    classes: file.classes,
    words: vocab,
    traces: { greedy: unpackTrace(file.traces.greedy), sample: unpackTrace(file.traces.sample), beam: unpackTrace(file.traces.beam) },
    precomputed: true,
  });
  return true;
}

/** The decoder's vocabulary (id → word), from the model folder that the build named. */
export function vocabularyLoader(base: string, model: string): () => Promise<readonly string[] | null> {
  let pending: Promise<readonly string[] | null> | null = null;
  return () =>
    (pending ??= fetch(`${base.endsWith('/') ? base : base + '/'}models/${model}/vocab.json`)
      .then((r) => (r.ok ? r.json() : null))
      .then((j: { words?: string[] } | null) => (Array.isArray(j?.words) ? j!.words : null))
      .catch(() => null));
}
