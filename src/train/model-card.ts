/**
 * `npm run model-card`: writes the measured tables into MODEL_CARD.md (between the
 * `<!-- measured:start -->` and `<!-- measured:end -->` markers) from the files `npm run eval` and
 * `npm run export` leave in public/models/eval/. Nothing in the tables is typed by hand.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseFlags, runIfMain } from './cli';

const KEYS = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'ROUGE-L', 'CIDEr-D'] as const;

/** Published Flickr8k test figures (design.md §5), BLEU-n ×100. */
export const PUBLISHED: { name: string; scores: Partial<Record<(typeof KEYS)[number], number>> }[] = [
  { name: 'Show and Tell (NIC), Vinyals et al. 2015', scores: { 'BLEU-1': 63, 'BLEU-2': 41, 'BLEU-3': 27 } },
  { name: 'Karpathy & Fei-Fei 2015', scores: { 'BLEU-1': 57.9, 'BLEU-2': 38.3, 'BLEU-3': 24.5, 'BLEU-4': 16.0 } },
  { name: 'Show, Attend and Tell (hard), Xu et al. 2015', scores: { 'BLEU-1': 67, 'BLEU-2': 45.7, 'BLEU-3': 31.4, 'BLEU-4': 21.3 } },
];

export function metricsTable(table: Record<string, Record<string, number>>): string {
  const pct = (v: number | undefined) => (v === undefined ? '–' : (v * 100).toFixed(1));
  const rows = Object.entries(table).map(([name, m]) => `| ours, ${name} | ${KEYS.map((k) => (k === 'CIDEr-D' ? (m[k] ?? NaN).toFixed(3) : pct(m[k]))).join(' | ')} | ${pct(m['distinct'])} % |`);
  const published = PUBLISHED.map((p) => `| ${p.name} | ${KEYS.map((k) => (p.scores[k] === undefined ? '–' : p.scores[k]!.toFixed(1))).join(' | ')} | – |`);
  return [`| decoder | ${KEYS.join(' | ')} | distinct captions |`, `|---|${KEYS.map(() => '---:').join('|')}|---:|`, ...rows, ...published].join('\n');
}

async function main() {
  const { flags } = parseFlags();
  const evalDir = typeof flags['eval'] === 'string' ? flags['eval'] : path.resolve('public/models/eval');
  const metrics = JSON.parse(readFileSync(path.join(evalDir, 'metrics.json'), 'utf8'));
  const parts = [
    `Measured by \`${metrics.command}\` on ${metrics.date}: ${metrics.split}, ${metrics.images} images, 5 references each, maximum ${metrics.maxLength} tokens, α = ${metrics.alpha}; BLEU ×100, CIDEr-D as is (design.md §5). Decoding took ${metrics.seconds} s for all rows.`,
    '',
    metricsTable(metrics.table),
  ];
  const ablationFile = path.join(evalDir, 'ablations.json');
  if (existsSync(ablationFile)) {
    const ab = JSON.parse(readFileSync(ablationFile, 'utf8')) as { rows: { run: string; note: string; metrics: Record<string, number> }[]; command: string };
    parts.push('', `### Ablations`, '', `From \`${ab.command}\`.`, '', `| run | what changed | ${KEYS.join(' | ')} |`, `|---|---|${KEYS.map(() => '---:').join('|')}|`);
    for (const r of ab.rows) parts.push(`| ${r.run} | ${r.note} | ${KEYS.map((k) => (k === 'CIDEr-D' ? (r.metrics[k] ?? NaN).toFixed(3) : ((r.metrics[k] ?? NaN) * 100).toFixed(1))).join(' | ')} |`);
  }
  const file = path.resolve('MODEL_CARD.md');
  const card = readFileSync(file, 'utf8');
  const start = '<!-- measured:start -->';
  const end = '<!-- measured:end -->';
  const a = card.indexOf(start);
  const b = card.indexOf(end);
  if (a < 0 || b < a) throw new Error(`MODEL_CARD.md has no ${start} … ${end} block`);
  writeFileSync(file, card.slice(0, a + start.length) + '\n' + parts.join('\n') + '\n' + card.slice(b));
  console.log(`model-card: tables written from ${path.relative(process.cwd(), evalDir)}`);
}

runIfMain(import.meta.url, main);
