/**
 * `npm run layout [-- --model DIR] [--space decoder|text] [--out FILE] [--n-neighbors 15] [--min-dist 0.1] [--seed 1] [--epochs N]`
 *
 * Projects every vocabulary word's learned embedding (rows of W_e; the special tokens left out) to
 * 2-D with a seeded UMAP run and writes layout.json next to the model, so the page's embedding map
 * paints at once. `--space text` lays out the text-only skip-gram vectors shipped beside the model
 * (`npm run text-embedding`) instead, into text-layout.json. The page's "Recompute live" runs the same code (src/model/umap-layout.ts) in a
 * Web Worker, so the same settings give the same map. Models of fewer than 15 words get PCA.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import categoryList from '../data/word-categories.json' with { type: 'json' };
import { categorise } from '../components/views/embedding-layout';
import { buildLayoutFile, DEFAULT_LAYOUT_SETTINGS, LayoutRun, type LayoutFile, type LayoutSettings } from '../model/umap-layout';
import { Vocabulary } from '../model/vocab';
import { loadWeights } from '../model/weights';
import { EMBEDDING_SPACES, layoutFileName, loadTextEmbedding, type EmbeddingSpace } from '../model/text-embedding';
import { fail, flagNumber, flagString, parseFlags, Progress, runIfMain, modelDirFlag, type Flags } from './cli';
import { fsReader } from './node-files';

/** The words on the map: every vocabulary id but `<start>`, `<end>` and `<unk>`. */
export function mappedIds(vocabSize: number): number[] {
  return Array.from({ length: Math.max(0, vocabSize - 3) }, (_, i) => i + 3);
}

/** Compute the layout file for the model in `modelDir` (no writing). */
export async function layoutForModel(modelDir: string, settings: Partial<LayoutSettings>, onProgress?: (fraction: number, note: string) => void, space: EmbeddingSpace = 'decoder'): Promise<LayoutFile> {
  const { modelJson, config, weights } = await loadWeights(fsReader(modelDir));
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(modelDir, 'vocab.json'), 'utf8')));
  if (vocab.size !== config.vocabSize) throw new Error(`${modelDir}: vocab.json has ${vocab.size} words but model.json says ${config.vocabSize}`);
  const ids = mappedIds(vocab.size);
  const { vectors: We, dim: E } = space === 'text' ? await textRows(modelDir, vocab.size) : { vectors: weights['embedding/We'].data, dim: config.embedDim };
  const rows = new Float32Array(ids.length * E);
  ids.forEach((id, r) => rows.set(We.subarray(id * E, (id + 1) * E), r * E));
  const run = new LayoutRun(rows, E, settings);
  while (!run.done) {
    const p = run.advance(1000);
    onProgress?.(p.fraction, p.phase);
  }
  const words = ids.map((id) => vocab.word(id));
  const { categories, category } = categorise(words, categoryList);
  const name = typeof modelJson.meta?.['name'] === 'string' ? (modelJson.meta['name'] as string) : path.basename(path.resolve(modelDir));
  return buildLayoutFile({
    model: name,
    vocabSize: vocab.size,
    ids,
    words,
    counts: ids.map((id) => vocab.counts[id] ?? 0),
    categories,
    category,
    result: run.result(),
    umapJs: umapJsVersion(),
    embedding: space,
  });
}

/** The rows the map and the neighbours CLI read: W_e from the decoder, or the shipped text-only vectors. */
export async function embeddingRows(modelDir: string, space: EmbeddingSpace): Promise<{ vectors: Float32Array; dim: number }> {
  if (space === 'text') return textRows(modelDir, Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(modelDir, 'vocab.json'), 'utf8'))).size);
  const { config, weights } = await loadWeights(fsReader(modelDir));
  return { vectors: weights['embedding/We'].data, dim: config.embedDim };
}

async function textRows(modelDir: string, vocabSize: number): Promise<{ vectors: Float32Array; dim: number }> {
  const { json, vectors } = await loadTextEmbedding(fsReader(modelDir), vocabSize);
  return { vectors, dim: json.dim };
}

/** `--space decoder|text`, with a clear message for anything else. */
export function spaceFlag(flags: Flags): EmbeddingSpace {
  const space = flagString(flags, 'space', 'decoder');
  if (!(EMBEDDING_SPACES as readonly string[]).includes(space)) fail(`--space must be ${EMBEDDING_SPACES.join(' or ')}, not "${space}"`);
  return space as EmbeddingSpace;
}

function umapJsVersion(): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve('umap-js/package.json'), 'utf8')) as { version: string }).version;
}

async function main() {
  const { flags } = parseFlags();
  const modelDir = modelDirFlag(flags);
  const space = spaceFlag(flags);
  const out = flagString(flags, 'out', path.join(modelDir, layoutFileName(space)));
  const settings: LayoutSettings = {
    nNeighbors: flagNumber(flags, 'n-neighbors', DEFAULT_LAYOUT_SETTINGS.nNeighbors),
    minDist: flagNumber(flags, 'min-dist', DEFAULT_LAYOUT_SETTINGS.minDist),
    seed: flagNumber(flags, 'seed', DEFAULT_LAYOUT_SETTINGS.seed),
    ...(typeof flags['epochs'] === 'string' ? { nEpochs: flagNumber(flags, 'epochs', 0) } : {}),
  };
  const t0 = performance.now();
  const bar = new Progress('layout', 1000);
  let shown = 0;
  const file = await layoutForModel(modelDir, settings, (fraction, phase) => {
    const now = Math.round(fraction * 1000);
    if (now > shown) bar.tick(now - shown, phase);
    shown = Math.max(shown, now);
  }, space);
  const json = JSON.stringify(file);
  writeFileSync(out, json + '\n');
  const s = file.settings;
  const how = s.method === 'umap' ? `UMAP (n_neighbors ${s.nNeighbors}, min_dist ${s.minDist}, seed ${s.seed}, ${s.nEpochs} epochs, exact cosine k-NN)` : `PCA (fewer than 15 words: UMAP needs neighbourhoods)`;
  console.log(`layout: ${file.words.length} words of "${file.model}" (${space === 'text' ? 'text-only skip-gram vectors' : 'W_e'}) by ${how} in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), out) || out} (${(json.length / 1024).toFixed(0)} KB)`);
}

runIfMain(import.meta.url, main);
