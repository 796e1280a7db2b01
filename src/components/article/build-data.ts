/**
 * Build-time (Node) data for the article: the precomputed default decoding, turned into the few
 * numbers the static figures print (caption, top words per step), and the measured metrics. Read
 * from files the repository's commands write, so no number in the article is typed by hand.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { logSoftmax, topIndices } from '../../model/search';
import { END_ID } from '../../model/vocab';
import { unpackTrace, type PrecomputedFile } from '../../lib/precomputed-trace';
import { DEFAULT_STATE } from '../../state/state';
import { currentDecoderName, modelFingerprint } from './model-fingerprint';

export interface StaticStep {
  t: number;
  chosen: string;
  p: number;
  top: { word: string; p: number }[];
}
export interface StaticDecoding {
  photo: string;
  model: string;
  fingerprint: string;
  caption: string;
  logp: number;
  classes: { name: string; score: number }[];
  steps: StaticStep[];
  greedy: string;
  sample: string;
}

/** The default photo's precomputed decoding, or null when it is missing or made from another model. */
export function staticDecoding(publicDir = 'public'): StaticDecoding | null {
  const model = currentDecoderName(publicDir);
  const modelDir = path.join(publicDir, 'models', model);
  const fingerprint = modelFingerprint(modelDir);
  const file = path.join(publicDir, 'traces', `${DEFAULT_STATE.photo}.json`);
  if (!existsSync(file)) return null;
  const json = JSON.parse(readFileSync(file, 'utf8')) as PrecomputedFile;
  if (json.fingerprint !== fingerprint) {
    console.warn(`[article] ${file} was made from another model; rerun \`npx tsx scripts/precompute-traces.ts\`. The article waits for the live model instead.`);
    return null;
  }
  const words = (JSON.parse(readFileSync(path.join(modelDir, 'vocab.json'), 'utf8')) as { words: string[] }).words;
  const say = (tokens: number[]) => tokens.map((t) => words[t] ?? `#${t}`).join(' ');
  const beam = unpackTrace(json.traces.beam);
  return {
    photo: json.photo,
    model,
    fingerprint,
    caption: say(beam.tokens),
    logp: beam.logp,
    classes: json.classes,
    steps: beam.steps.map((s) => {
      const lp = logSoftmax(s.logits);
      return {
        t: s.t,
        chosen: s.chosen === END_ID ? '<end>' : (words[s.chosen] ?? `#${s.chosen}`),
        p: Math.exp(lp[s.chosen]!),
        top: topIndices(s.logits, 3).map((id) => ({ word: words[id] ?? `#${id}`, p: Math.exp(lp[id]!) })),
      };
    }),
    greedy: say(unpackTrace(json.traces.greedy).tokens),
    sample: say(unpackTrace(json.traces.sample).tokens),
  };
}

export interface MetricsFile {
  split: string;
  images: number;
  date: string;
  command: string;
  table: Record<string, Record<string, number>>;
}

export function readMetrics(publicDir = 'public'): MetricsFile | null {
  const file = path.join(publicDir, 'models', 'eval', 'metrics.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MetricsFile) : null;
}
