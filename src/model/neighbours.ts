/** Nearest words by cosine similarity in the full embedding space (rows of W_e). Shared by the CLI and the page. */
export interface Neighbour {
  word: string;
  id: number;
  cosine: number;
}

/** Unit-normalised copy of the embedding rows (zero rows stay zero). */
export function normaliseRows(We: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(We.length);
  for (let r = 0; r < We.length / dim; r++) {
    let n = 0;
    for (let e = 0; e < dim; e++) n += We[r * dim + e]! ** 2;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let e = 0; e < dim; e++) out[r * dim + e] = We[r * dim + e]! * inv;
  }
  return out;
}

/**
 * The k nearest words to `id`, best first, skipping the word itself and ids in `skip`
 * (the special tokens have no meaning as neighbours).
 */
export function nearest(unitRows: Float32Array, dim: number, words: readonly string[], id: number, k: number, skip: readonly number[] = [0, 1, 2]): Neighbour[] {
  const V = unitRows.length / dim;
  const sims: Neighbour[] = [];
  for (let r = 0; r < V; r++) {
    if (r === id || skip.includes(r)) continue;
    let dot = 0;
    for (let e = 0; e < dim; e++) dot += unitRows[id * dim + e]! * unitRows[r * dim + e]!;
    sims.push({ word: words[r]!, id: r, cosine: dot });
  }
  sims.sort((a, b) => b.cosine - a.cosine || a.id - b.id);
  return sims.slice(0, k);
}

/** 1-based rank of `other` among `id`'s neighbours (Infinity if skipped). */
export function neighbourRank(unitRows: Float32Array, dim: number, words: readonly string[], id: number, other: number): number {
  const all = nearest(unitRows, dim, words, id, words.length);
  const i = all.findIndex((n) => n.id === other);
  return i < 0 ? Infinity : i + 1;
}
