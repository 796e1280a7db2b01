/**
 * `npm run export`: the web decoder. Folds the training-time feature normalisation into W_I and b_I
 * (so the page feeds raw CenterNet features), writes a float32 copy to <work>/export-f32 and the
 * uint8-quantised web model to public/models/<name>, and points public/models/current.json at it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Vocabulary } from '../model/vocab';
import { loadWeights, type WeightSet } from '../model/weights';
import { flagString, Logger, parseFlags, workDir, runIfMain } from './cli';
import { fsReader, writeModelDir } from './node-files';
import type { FeatureNorm } from './train';

/** x₋₁ = ((f − μ)/σ)·W_I + b_I  =  f·(W_I / σ) + (b_I − (μ/σ)·W_I). */
export function foldFeatureNorm(w: WeightSet, norm: FeatureNorm): WeightSet {
  const [F, E] = w['image/Wi'].shape as [number, number];
  const Wi = new Float32Array(F * E);
  const bi = Float32Array.from(w['image/bi'].data);
  for (let d = 0; d < F; d++) {
    for (let e = 0; e < E; e++) {
      const v = w['image/Wi'].data[d * E + e]!;
      Wi[d * E + e] = v / norm.std[d]!;
      bi[e]! -= (norm.mean[d]! / norm.std[d]!) * v;
    }
  }
  return { ...w, 'image/Wi': { shape: [F, E], data: Wi }, 'image/bi': { shape: [E], data: bi } };
}

/**
 * Each invocation of a training run, from its log: when it started, its settings, and the step it
 * resumed at (0 for a fresh start). A run resumed with new flags (say, a slower lr decay) shows as
 * two invocations, so the model card can say how the shipped weights were really trained.
 */
export function trainingInvocations(log: string, run: string): { started: string; settings: Record<string, number>; resumedAtStep: number }[] {
  const out: { started: string; settings: Record<string, number>; resumedAtStep: number }[] = [];
  for (const line of log.split('\n')) {
    const start = line.match(new RegExp(`^(\\S+) ${run}: \\d+ training captions .* settings (\\{.*\\})$`));
    if (start) out.push({ started: start[1]!, settings: JSON.parse(start[2]!), resumedAtStep: 0 });
    const resumed = line.match(new RegExp(`^\\S+ ${run}: resumed from .* step (\\d+)$`));
    if (resumed && out.length) out[out.length - 1]!.resumedAtStep = Number(resumed[1]);
  }
  return out;
}

/**
 * The run's history (from `npm run train`), with its invocations and the pre-training it started from,
 * for the model card. A fine-tuning run (self-critical) carries the record of the run it started from
 * as `base`.
 */
function trainingRecord(work: string, from: string): Record<string, unknown> | null {
  const runDir = path.dirname(from);
  const run = path.basename(runDir);
  const historyFile = path.join(runDir, 'history.json');
  if (!existsSync(historyFile)) return null;
  const history = JSON.parse(readFileSync(historyFile, 'utf8'));
  const logFile = path.join(work, 'logs', `${run}.log`);
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  const invocations = trainingInvocations(log, run);
  const captionsLine = log.match(new RegExp(`${run}: (\\d+) training captions`));
  const pretrainedFile = path.join(work, 'pretrained', 'model.json');
  const pretrained = history.pretrain && existsSync(pretrainedFile) ? JSON.parse(readFileSync(pretrainedFile, 'utf8')).meta : undefined;
  const base = typeof history.init === 'string' ? initRecord(work, path.resolve(history.init)) : undefined;
  return { ...history, invocations, trainingCaptions: captionsLine ? Number(captionsLine[1]) : undefined, pretrained, ...(base ? { base } : {}) };
}

/**
 * What a fine-tuning run started from: a training run's record, or, for weights written by
 * `npm run embedding-init`, that step (its skip-gram settings and fit) with the run it came from.
 */
function initRecord(work: string, dir: string): Record<string, unknown> | null {
  const modelFile = path.join(dir, 'model.json');
  const meta = existsSync(modelFile) ? JSON.parse(readFileSync(modelFile, 'utf8')).meta : undefined;
  if (meta?.stage !== 'embedding-init') return trainingRecord(work, dir);
  const base = trainingRecord(work, path.resolve(meta.from));
  return { stage: 'embedding-init', skipgram: meta.skipgram, residual: meta.residual, ...(base ? { base } : {}) };
}

async function main() {
  const { flags } = parseFlags();
  const work = workDir(flags);
  const logger = new Logger(path.join(work, 'logs', 'export.log'));
  const from = flagString(flags, 'from', path.join(work, 'train', 'best'));
  const name = flagString(flags, 'name', 'flickr8k');
  const out = flagString(flags, 'out', path.resolve('public/models', name));
  // Where the site reads current.json and eval/training-history.json; a rehearsal run (npm run
  // pipeline) points it into its own work folder so the shipped model stays untouched.
  const site = flagString(flags, 'site', path.resolve('public/models'));
  const { modelJson, config, weights } = await loadWeights(fsReader(from));
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(from, 'vocab.json'), 'utf8')));
  const norm: FeatureNorm = JSON.parse(readFileSync(path.join(work, 'feature-norm.json'), 'utf8'));
  const folded = foldFeatureNorm(weights, norm);
  const meta = { ...(modelJson.meta ?? {}), featureNorm: 'folded into image/Wi and image/bi', exportedFrom: path.relative(process.cwd(), from) };
  const f32Bytes = writeModelDir(path.join(work, 'export-f32'), config, folded, vocab, { meta: { ...meta, quantization: 'none' } });
  // One uint8 range per row or column (whichever reconstructs a tensor better), not per tensor: see SliceQuantization.
  const quantization = flagString(flags, 'quantization', 'uint8-slices');
  if (quantization !== 'uint8' && quantization !== 'uint8-slices') throw new Error(`--quantization must be uint8 or uint8-slices, got ${quantization}`);
  const webBytes = writeModelDir(out, config, folded, vocab, { quantization, meta: { ...meta, quantization } });
  mkdirSync(path.join(site, 'eval'), { recursive: true });
  writeFileSync(path.join(site, 'current.json'), JSON.stringify({ decoder: name }) + '\n');
  const record = trainingRecord(work, from);
  if (record) writeFileSync(path.join(site, 'eval', 'training-history.json'), JSON.stringify(record, null, 1) + '\n');
  logger.log(`export: float32 ${(f32Bytes / 1e6).toFixed(2)} MB in ${path.join(work, 'export-f32')}; web (${quantization}) ${(webBytes / 1e6).toFixed(2)} MB in ${out}`);
}

runIfMain(import.meta.url, main);
