/** Tokenised training text and the vocabulary rule, shared by the pretrain, train and eval stages. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tokenize, Vocabulary } from '../model/vocab';
import { readFlickr8kCaptions, readPretrainCaptions, readSplit } from './data';
import type { Example } from './trainer';

/** Captions longer than this are dropped from training (0.1 % of Flickr8k); decoding allows 20 tokens. */
export const MAX_TRAIN_WORDS = 24;

/**
 * The vocabulary rule: a word is kept when it occurs at least `minFlickr8k` times in the Flickr8k
 * training captions or at least `minPretrain` times in the pre-training text (Flickr30k without
 * Flickr8k's images, and COCO). The second clause brings in words Flickr8k barely has (donkey: 0).
 */
export interface VocabRule {
  minFlickr8k: number;
  minPretrain: number;
}
export const DEFAULT_VOCAB_RULE: VocabRule = { minFlickr8k: 5, minPretrain: 50 };

export function buildVocabulary(flickr8kTrain: string[][], pretrain: string[][], rule: VocabRule): Vocabulary {
  const count = (caps: string[][]) => {
    const m = new Map<string, number>();
    for (const c of caps) for (const w of c) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  };
  const c8 = count(flickr8kTrain);
  const cp = count(pretrain);
  const kept = new Set<string>();
  for (const [w, n] of c8) if (n >= rule.minFlickr8k) kept.add(w);
  for (const [w, n] of cp) if (n >= rule.minPretrain) kept.add(w);
  // Order and counts come from all training text together; the rule only decides membership.
  const all = [...flickr8kTrain, ...pretrain].map((c) => c.filter((w) => kept.has(w)));
  const v = Vocabulary.build(all, 1);
  return new Vocabulary(v.words, v.counts, rule.minFlickr8k);
}

export interface Flickr8kText {
  captions: Map<string, string[][]>; // image → tokenised captions
  train: string[];
  dev: string[];
  test: string[];
}

export function loadFlickr8kText(flickr8k: string): Flickr8kText {
  const raw = readFlickr8kCaptions(flickr8k);
  const captions = new Map<string, string[][]>();
  for (const [img, caps] of raw) captions.set(img, caps.map(tokenize));
  return { captions, train: readSplit(flickr8k, 'train'), dev: readSplit(flickr8k, 'dev'), test: readSplit(flickr8k, 'test') };
}

export function loadPretrainText(flickr30k: string, coco: string): { captions: string[][]; flickr30k: number; coco: number } {
  const p = readPretrainCaptions(flickr30k, coco);
  return { captions: [...p.flickr30k, ...p.coco].map(tokenize), flickr30k: p.flickr30k.length, coco: p.coco.length };
}

export function toExamples(captions: string[][], vocab: Vocabulary, image: (i: number) => number): Example[] {
  const out: Example[] = [];
  captions.forEach((c, i) => {
    if (c.length === 0 || c.length > MAX_TRAIN_WORDS) return;
    out.push({ words: vocab.encode(c), image: image(i) });
  });
  return out;
}

/** The vocabulary file of a pipeline run: built once by `pretrain` (or `train` if it runs first), then reused. */
export function vocabularyFor(work: string, build: () => Vocabulary): Vocabulary {
  const file = path.join(work, 'vocab.json');
  if (existsSync(file)) return Vocabulary.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
  const v = build();
  writeFileSync(file, JSON.stringify(v.toJSON()));
  return v;
}
