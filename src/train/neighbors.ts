/**
 * `npm run --silent neighbors -- --json WORD [--k 10] [--model DIR]`: the k nearest words to WORD by
 * cosine similarity of the shipped model's word embeddings (W_e), in the full embedding space.
 * `--pairs a-b,c-d` prints each partner's neighbour rank instead.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nearest, neighbourRank, normaliseRows } from '../model/neighbours';
import { Vocabulary } from '../model/vocab';
import { loadWeights } from '../model/weights';
import { fail, flagNumber, flagString, parseFlags, runIfMain, modelDirFlag } from './cli';
import { fsReader } from './node-files';

async function main() {
  const { flags, positional } = parseFlags();
  const modelDir = modelDirFlag(flags);
  const { config, weights } = await loadWeights(fsReader(modelDir));
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(modelDir, 'vocab.json'), 'utf8')));
  const unit = normaliseRows(weights['embedding/We'].data, config.embedDim);
  const idOf = (w: string) => {
    if (!vocab.has(w)) fail(`"${w}" is not in the model's vocabulary (${vocab.size} words)`);
    return vocab.id(w);
  };
  if (typeof flags['pairs'] === 'string') {
    const rows = flags['pairs'].split(',').map((pair) => {
      const [a, b] = pair.split('-') as [string, string];
      return { word: a, partner: b, rank: neighbourRank(unit, config.embedDim, vocab.words, idOf(a), idOf(b)) };
    });
    if (flags['json']) console.log(JSON.stringify(rows, null, 1));
    else for (const r of rows) console.log(`${r.word}\t${r.partner}\t${r.rank}`);
    return;
  }
  if (positional.length !== 1) fail('usage: npm run --silent neighbors -- [--json] [--k 10] WORD');
  const k = flagNumber(flags, 'k', 10);
  const result = nearest(unit, config.embedDim, vocab.words, idOf(positional[0]!), k).map((n) => ({ word: n.word, cosine: Number(n.cosine.toFixed(6)) }));
  if (flags['json']) console.log(JSON.stringify(result, null, 1));
  else for (const n of result) console.log(`${n.word}\t${n.cosine.toFixed(4)}`);
}

runIfMain(import.meta.url, main);
