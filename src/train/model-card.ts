/**
 * `npm run model-card`: writes every measured block of MODEL_CARD.md from files in the repository,
 * so nothing in the card is typed by hand:
 *   measured    ← public/models/eval/metrics.json (`npm run eval`), decoding-tuning.json (`npm run tune-decoding`)
 *                 and ablations.json (`npm run ablations`)
 *   training    ← public/models/eval/training-history.json (copied by `npm run export`) and the pre-trained model's meta
 *   examples    ← the shipped decoder on public/models/example-features.json (the example photos' encoder outputs), beam 3
 *   pipeline    ← public/models/eval/pipeline-run.json (`npm run pipeline -- --record …`): the timed two-hour run
 *   neighbours  ← the shipped decoder's W_e (`npm run neighbors` computes the same ranks), and the
 *                 text-only vectors shipped beside it when there are any (`--space text`)
 * Each block sits between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeFloat32, type ExampleFeatures } from '../model/example-features';
import { captionText, loadCaptioner, type Captioner } from '../model/index';
import { nearest, neighbourRank, normaliseRows } from '../model/neighbours';
import { beamSearch, DEFAULT_BEAM } from '../model/search';
import { parseFlags, runIfMain } from './cli';
import { currentDecoderName } from '../components/article/model-fingerprint';
import { initBackend } from './node-backend';
import { fsReader } from './node-files';
import { embeddingRows } from './layout';
import type { PipelineRecord } from './pipeline';

const KEYS = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'ROUGE-L', 'CIDEr-D'] as const;

/** The issue's floor and targets (BLEU-4 at beam 3; BLEU-1). */
export const FLOOR_BLEU4 = 0.17;

/** Published Flickr8k test figures (design.md §5), BLEU-n ×100. */
export const PUBLISHED: { name: string; scores: Partial<Record<(typeof KEYS)[number], number>> }[] = [
  { name: 'Show and Tell (NIC), Vinyals et al. 2015', scores: { 'BLEU-1': 63, 'BLEU-2': 41, 'BLEU-3': 27 } },
  { name: 'Karpathy & Fei-Fei 2015', scores: { 'BLEU-1': 57.9, 'BLEU-2': 38.3, 'BLEU-3': 24.5, 'BLEU-4': 16.0 } },
  { name: 'Show, Attend and Tell (hard), Xu et al. 2015', scores: { 'BLEU-1': 67, 'BLEU-2': 45.7, 'BLEU-3': 31.4, 'BLEU-4': 21.3 } },
];

/** Word pairs of issue #7's claim, and a few controls. */
export const NEIGHBOUR_PAIRS = [
  'horse-pony', 'horse-donkey', 'horse-mule', 'horse-zebra', 'pony-donkey', 'dog-puppy', 'dog-cat', 'man-woman', 'boy-girl', 'red-blue',
  'black-white', 'beach-ocean', 'snow-ice', 'street-road', 'bike-bicycle', 'running-jumping', 'grass-field', 'water-lake', 'shirt-jacket', 'car-truck',
];

const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : (v * 100).toFixed(1));
const cider = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export function metricsTable(table: Record<string, Record<string, number>>): string {
  const rows = Object.entries(table).map(([name, m]) => `| ours, ${name} | ${KEYS.map((k) => (k === 'CIDEr-D' ? cider(m[k]) : pct(m[k]))).join(' | ')} | ${pct(m['distinct'])} % |`);
  const published = PUBLISHED.map((p) => `| ${p.name} | ${KEYS.map((k) => (p.scores[k] === undefined ? '–' : p.scores[k]!.toFixed(1))).join(' | ')} | – |`);
  return [`| decoder | ${KEYS.join(' | ')} | distinct captions |`, `|---|${KEYS.map(() => '---:').join('|')}|---:|`, ...rows, ...published].join('\n');
}

/** One sentence that says plainly whether the floor and targets are met. */
export function verdict(table: Record<string, Record<string, number>>, subject = 'the shipped model'): string {
  const b3 = table['beam 3']!;
  const b4 = b3['BLEU-4']!;
  const b1 = b3['BLEU-1']!;
  const floor = b4 >= FLOOR_BLEU4 ? `meets the project's floor (BLEU-4 ≥ ${FLOOR_BLEU4} at beam 3)` : `**misses the project's floor** (BLEU-4 ≥ ${FLOOR_BLEU4} at beam 3)`;
  const targets = [b1 >= 0.63 ? 'reaches' : 'is below', "Show and Tell's BLEU-1 0.63, and", b4 >= 0.213 ? 'reaches' : 'is below', 'the 0.213 BLEU-4 of Show, Attend and Tell'].join(' ');
  return `At beam 3 on the test split ${subject} reaches BLEU-1 ${b1.toFixed(3)}, BLEU-4 ${b4.toFixed(3)} and CIDEr-D ${b3['CIDEr-D']!.toFixed(3)}: it ${floor}, and ${targets}.`;
}

interface DecodingTuning {
  split: string;
  images: number;
  beamWidth: number;
  criterion: string;
  command: string;
  date: string;
  rows: { alpha: number; metrics: Record<string, number>; words: number }[];
  chosen: { alpha: number };
}

/** The dev-split table behind beam search's length normalisation α (`npm run tune-decoding`). */
export function tuningBlock(t: DecodingTuning): string[] {
  const rows = t.rows.map((r) => `| ${r.alpha}${r.alpha === t.chosen.alpha ? ' (chosen)' : ''} | ${pct(r.metrics['BLEU-1'])} | ${pct(r.metrics['BLEU-4'])} | ${cider(r.metrics['CIDEr-D'])} | ${r.words.toFixed(2)} |`);
  return [
    '',
    '### Length normalisation, chosen on dev',
    '',
    `Beam search ranks finished captions by log p / |S|^α. \`${t.command}\` (${t.date}) decoded the ${t.split} split (${t.images} images, never the test split) at beam ${t.beamWidth} for each α; the criterion, fixed beforehand, is ${t.criterion}. The chosen α is the site's default and the one used for every beam row above.`,
    '',
    '| α | dev BLEU-1 | dev BLEU-4 | dev CIDEr-D | words per caption |',
    '|---:|---:|---:|---:|---:|',
    ...rows,
  ];
}

interface AblationRow {
  run: string;
  note: string;
  metrics?: Record<string, number>;
  greedy?: Record<string, number>;
  devCurve?: Record<string, number>;
}

/**
 * Dev evaluation steps shared by at least two runs (all runs when there are fewer than two): where
 * runs of different lengths can be compared. A run that stopped earlier shows "–" after its end.
 */
export function commonSteps(rows: readonly AblationRow[]): number[] {
  const curves = rows.map((r) => new Set(Object.keys(r.devCurve ?? {}).map(Number)));
  const need = Math.min(2, curves.length);
  const all = new Set(curves.flatMap((c) => [...c]));
  return [...all].filter((step) => curves.filter((c) => c.has(step)).length >= need).sort((a, b) => a - b);
}

export function ablationTables(ab: { rows: AblationRow[]; command: string; date: string }): string[] {
  const out = ['', '### Ablations', ''];
  const tested = ab.rows.filter((r) => r.metrics);
  if (tested.length) {
    out.push(`From \`${ab.command}\` on ${ab.date}; test split, beam 3 (greedy BLEU-4 and CIDEr-D in the last columns).`, '', `| run | what it was | ${KEYS.join(' | ')} | greedy BLEU-4 | greedy CIDEr-D |`, `|---|---|${KEYS.map(() => '---:').join('|')}|---:|---:|`);
    for (const r of tested) out.push(`| ${r.run} | ${r.note} | ${KEYS.map((k) => (k === 'CIDEr-D' ? cider(r.metrics![k]) : pct(r.metrics![k]))).join(' | ')} | ${pct(r.greedy?.['BLEU-4'])} | ${cider(r.greedy?.['CIDEr-D'])} |`);
    out.push('');
  }
  const steps = commonSteps(ab.rows);
  if (steps.length) {
    out.push(
      `Dev CIDEr-D (greedy, 1,000 dev images) at equal steps — same batches, same seed, same learning-rate schedule, so a column compares the settings at equal training; "–" where a run had stopped (\`${ab.command}\`, ${ab.date}):`,
      '',
      `| run | what it was | ${steps.map((st) => `step ${st}`).join(' | ')} |`,
      `|---|---|${steps.map(() => '---:').join('|')}|`,
    );
    for (const r of ab.rows) out.push(`| ${r.run} | ${r.note} | ${steps.map((st) => cider(r.devCurve?.[st])).join(' | ')} |`);
  }
  return out;
}

function ablationBlock(evalDir: string): string[] {
  const file = path.join(evalDir, 'ablations.json');
  if (!existsSync(file)) return ['', 'No ablation runs are recorded yet (`npm run ablations` writes `public/models/eval/ablations.json`).'];
  return ablationTables(JSON.parse(readFileSync(file, 'utf8')));
}

interface TrainingHistory {
  run: string;
  config: { vocabSize: number; embedDim: number; hiddenDim: number };
  settings: Record<string, number>;
  pretrain: boolean;
  state: { step: number; epoch: number; batch: number; tokens: number; seconds: number; best: { score: number; step: number } | null; history: Record<string, number>[] };
  invocations?: { started: string; settings: Record<string, number>; resumedAtStep: number }[];
  trainingCaptions?: number;
  /** Examples per epoch of this run: captions, or images for self-critical training. */
  trainingExamples?: number;
  pretrained?: { steps: number; tokens: number; seconds: number; captions?: number };
  /** What a fine-tuning run started from: a run, or embedding-init's step on a run's weights. */
  base?: TrainingHistory | EmbeddingInitRecord;
}

/** `npm run embedding-init`'s step, as export records it. */
interface EmbeddingInitRecord {
  stage: 'embedding-init';
  skipgram: { settings: { dim: number; window: number; negatives: number; epochs: number }; sentences: number; seconds: number };
  residual: number;
  base?: TrainingHistory;
}

function isEmbeddingInit(r: TrainingHistory | EmbeddingInitRecord): r is EmbeddingInitRecord {
  return (r as EmbeddingInitRecord).stage === 'embedding-init';
}

function embeddingInitBlock(r: EmbeddingInitRecord): string {
  const s = r.skipgram.settings;
  return [
    ...(r.base ? [trainingBlock(r.base, true), ''] : []),
    `- **Word embeddings from skip-gram** (\`npm run embedding-probe -- --dim ${s.dim} --window ${s.window} --out FILE\`, then \`npm run embedding-init -- --from … --vectors FILE\`): skip-gram with ${s.negatives} negative samples, trained for ${s.epochs} epochs on ${thousands(r.skipgram.sentences)} captions of the training text (${(r.skipgram.seconds / 60).toFixed(1)} min), replaces W_e, which stays frozen from here on. A least-squares map M with S·M ≈ the old W_e (it leaves ${(100 * r.residual).toFixed(1)} % of W_e's frequency-weighted sum of squares unexplained) is folded into W_x, W_I and b_I, so the decoder starts close to what it computed before.`,
  ].join('\n');
}

/**
 * `fineTuned`: these weights were the starting point of a fine-tuning run (listed after them).
 * `kept`: what became of the final run's best weights.
 */
export function trainingBlock(h: TrainingHistory, fineTuned = false, kept = 'is what ships'): string {
  const evals = h.state.history.filter((r) => r['dev CIDEr-D'] !== undefined);
  const best = h.state.best;
  const lines: string[] = [];
  if (h.base) lines.push(isEmbeddingInit(h.base) ? embeddingInitBlock(h.base) : trainingBlock(h.base, true, kept), '');
  if (h.pretrained) {
    lines.push(`- **Pre-training** (text only): ${thousands(h.pretrained.steps)} steps, ${thousands(h.pretrained.tokens)} tokens in ${(h.pretrained.seconds / 60).toFixed(1)} min of training.`);
  }
  const K = h.settings['selfCritical'];
  const frozenNames = (h.settings as unknown as { frozen?: string[] }).frozen;
  const frozen = frozenNames?.length ? `, ${frozenNames.join(', ')} frozen` : '';
  const perEpoch = K ? h.trainingExamples : h.trainingCaptions;
  const epochs = perEpoch ? ` (${((h.state.step * h.settings['batchSize']!) / perEpoch).toFixed(2)} epochs of ${thousands(perEpoch)} ${K ? 'images' : 'captions'})` : '';
  const speed = `${thousands(h.state.tokens)} tokens in ${(h.state.seconds / 60).toFixed(1)} min of training = ${thousands(h.state.tokens / h.state.seconds)} tokens/s on average`;
  if (K) {
    lines.push(
      `- **Self-critical fine-tuning** (\`npm run train -- --self-critical ${K}\`, from the weights above${frozen}): ${thousands(h.state.step)} steps${epochs}, ${speed}; ${h.settings['batchSize']} images per batch, ${K} captions sampled per image, each weighted by its CIDEr-D minus the mean CIDEr-D of the image's other samples; lr ${h.settings['learningRate']}, dropout ${h.settings['dropout']}.`,
    );
  } else {
    lines.push(`- **Caption training**: ${thousands(h.state.step)} steps${epochs}, ${speed}; batch ${h.settings['batchSize']}, dropout ${h.settings['dropout']}, H = ${h.config.hiddenDim}, E = ${h.config.embedDim}, ${h.base ? 'from the weights above' : h.pretrain ? 'started from the pre-trained language model' : 'no pre-training'}${frozen}.`);
  }
  for (const inv of h.invocations ?? []) {
    const s = inv.settings;
    lines.push(`  - run started ${inv.started.replace('T', ' ').slice(0, 16)} UTC at step ${inv.resumedAtStep}: lr ${s['learningRate']} × ${s['lrDecay']} per epoch, budget ${s['minutes']} min${s['workers'] ? ', with a gradient worker on the second core' : ', one core'}${s['averageDecay'] ? `; evaluated (and kept) as a moving average of the weights, decay ${s['averageDecay']}` : ''}.`);
  }
  if (best) lines.push(`- **Early stopping** on dev CIDEr-D (greedy, every ${h.settings['evalEvery']} steps): the best evaluation, ${best.score.toFixed(3)} at step ${best.step}, ${fineTuned ? 'is where the fine-tuning below starts' : kept}.`);
  const lossHeader = K ? 'advantage-weighted loss (recent)' : 'train loss (recent)';
  lines.push('', `| step | ${lossHeader} | dev CIDEr-D | dev BLEU-4 | dev BLEU-1 | distinct |`, '|---:|---:|---:|---:|---:|---:|');
  for (const r of evals) lines.push(`| ${r['step']}${best && r['step'] === best.step ? ' (best)' : ''} | ${Number.isFinite(r['loss']) ? r['loss']!.toFixed(3) : '–'} | ${r['dev CIDEr-D']!.toFixed(3)} | ${pct(r['dev BLEU-4'])} | ${pct(r['dev BLEU-1'])} | ${pct(r['distinct'])} % |`);
  return lines.join('\n');
}

export function examplesBlock(c: Captioner, examples: ExampleFeatures): string {
  const rows = ['| photo | what the encoder sees (top class) | caption, beam 3 | log p |', '|---|---|---|---:|'];
  for (const [name, photo] of Object.entries(examples.photos)) {
    const trace = beamSearch(c.decoder, decodeFloat32(photo.feature), DEFAULT_BEAM);
    const top = photo.classes[0];
    rows.push(`| ${name}.jpg | ${top ? `${top.name} ${top.score.toFixed(2)}` : '–'} | ${captionText(trace, c.vocab)} | ${trace.logp.toFixed(2).replace('-', '−')} |`);
  }
  return rows.join('\n');
}

/**
 * The pair table from the shipped W_e, and, when the model ships text-only vectors, a second column
 * from those (`npm run neighbors -- --space text` computes the same ranks).
 */
export function neighboursBlock(c: Captioner, pairs: readonly string[] = NEIGHBOUR_PAIRS, text?: { vectors: Float32Array; dim: number }): string {
  const We = c.decoder.params['embedding/We'];
  const [, E] = We.shape as [number, number];
  const unit = normaliseRows(We.dataSync() as Float32Array, E);
  const textUnit = text ? normaliseRows(text.vectors, text.dim) : null;
  const words = c.vocab.words;
  const known = pairs.map((p) => p.split('-') as [string, string]).filter(([a, b]) => c.vocab.has(a) && c.vocab.has(b));
  const list = known.map((p) => p.join('-')).join(',');
  const rows = textUnit
    ? ["| word | partner | partner's rank among the word's nearest: cosine of W_e rows | … of the text-only vectors |", '|---|---|---:|---:|']
    : ["| word | partner | partner's rank among the word's nearest (cosine of W_e rows) |", '|---|---|---:|'];
  for (const [a, b] of known) {
    const [ia, ib] = [c.vocab.id(a), c.vocab.id(b)];
    rows.push(`| ${a} | ${b} | ${neighbourRank(unit, E, words, ia, ib)} |${textUnit ? ` ${neighbourRank(textUnit, text!.dim, words, ia, ib)} |` : ''}`);
  }
  const horse = (u: Float32Array, dim: number) => nearest(u, dim, words, c.vocab.id('horse'), 10).map((n) => `${n.word} (${n.cosine.toFixed(2)})`).join(', ');
  return [
    `\`npm run --silent neighbors -- --pairs ${list}\` on the shipped weights${textUnit ? `, and the same with \`--space text\` on the shipped text-only vectors (\`text-embedding.json\`)` : ''}:`,
    '',
    ...rows,
    '',
    ...(c.vocab.has('horse') ? [`horse's 10 nearest words in W_e: ${horse(unit, E)}.`] : []),
    ...(textUnit && c.vocab.has('horse') ? ['', `horse's 10 nearest words in the text-only vectors: ${horse(textUnit, text!.dim)}.`] : []),
  ].join('\n');
}

const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;

/** The card's "two-hour pipeline" block, from the record `npm run pipeline -- --record FILE` writes. */
export function pipelineBlock(r: PipelineRecord): string {
  const stages = r.stages.map((s) => `| ${s.stage} | ${s.minutesGiven === undefined ? '–' : `${s.minutesGiven} min`} | ${minutes(s.seconds)} |`);
  const lines = [
    `\`npm run pipeline -- --budget ${r.budgetMinutes}\`, started ${r.started.replace('T', ' ').slice(0, 16)} UTC: from the raw photos to test scores in **${minutes(r.totalSeconds)}** of wall time, ${r.withinBudget ? 'within' : '**over**'} the ${r.budgetMinutes}-minute budget. The training stages' minutes are what was left after feature extraction, less ${r.plan.reserve} min kept for export, α and the test evaluation, shared ${Object.entries(r.shares).map(([k, v]) => `${k} ${Math.round(v * 100)} %`).join(', ')}.`,
    '',
    '| stage | training time given | wall time |',
    '|---|---:|---:|',
    ...stages,
    `| **all** | | **${minutes(r.totalSeconds)}** |`,
  ];
  if (r.test) {
    lines.push('', `${verdict(r.test, "this run's own model")} α = ${r.alpha}, chosen on dev by the run's tune-decoding stage.`, '', metricsTable(r.test));
  }
  if (r.training) lines.push('', trainingBlock(r.training as TrainingHistory, false, "is this run's model; it is not the one the site ships"));
  return lines.join('\n');
}

export function replaceBlock(card: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = card.indexOf(start);
  const b = card.indexOf(end);
  if (a < 0 || b < a) throw new Error(`MODEL_CARD.md has no ${start} … ${end} block`);
  return card.slice(0, a + start.length) + '\n' + body + '\n' + card.slice(b);
}

async function main() {
  const { flags } = parseFlags();
  const evalDir = typeof flags['eval'] === 'string' ? flags['eval'] : path.resolve('public/models/eval');
  const metrics = JSON.parse(readFileSync(path.join(evalDir, 'metrics.json'), 'utf8'));
  const measured = [
    verdict(metrics.table),
    '',
    `Measured by \`${metrics.command}\` on ${metrics.date}: ${metrics.split}, ${metrics.images} images, 5 references each, maximum ${metrics.maxLength} tokens, α = ${metrics.alpha}; BLEU ×100, CIDEr-D as is (design.md §5). Decoding took ${metrics.seconds} s for all rows.`,
    '',
    metricsTable(metrics.table),
    ...(existsSync(path.join(evalDir, 'decoding-tuning.json')) ? tuningBlock(JSON.parse(readFileSync(path.join(evalDir, 'decoding-tuning.json'), 'utf8'))) : []),
    ...ablationBlock(evalDir),
  ].join('\n');
  let card = readFileSync(path.resolve('MODEL_CARD.md'), 'utf8');
  card = replaceBlock(card, 'measured', measured);
  const historyFile = path.join(evalDir, 'training-history.json');
  if (existsSync(historyFile)) card = replaceBlock(card, 'training', trainingBlock(JSON.parse(readFileSync(historyFile, 'utf8'))));

  const pipelineFile = path.join(evalDir, 'pipeline-run.json');
  if (existsSync(pipelineFile)) card = replaceBlock(card, 'pipeline', pipelineBlock(JSON.parse(readFileSync(pipelineFile, 'utf8'))));

  await initBackend('wasm');
  const current = currentDecoderName();
  const captioner = await loadCaptioner(fsReader(path.resolve('public/models', current)));
  const examples = JSON.parse(readFileSync('public/models/example-features.json', 'utf8')) as ExampleFeatures;
  card = replaceBlock(card, 'examples', examplesBlock(captioner, examples));
  const decoderDir = path.resolve('public/models', current);
  const text = existsSync(path.join(decoderDir, 'text-embedding.json')) ? await embeddingRows(decoderDir, 'text') : undefined;
  card = replaceBlock(card, 'neighbours', neighboursBlock(captioner, NEIGHBOUR_PAIRS, text));
  captioner.decoder.dispose();
  writeFileSync(path.resolve('MODEL_CARD.md'), card);
  console.log(`model-card: measured, training, pipeline (when its record exists), examples and neighbour blocks written from ${path.relative(process.cwd(), evalDir)} and public/models/${current}`);
}

runIfMain(import.meta.url, main);
