/**
 * `npm run --silent neighbors -- --json WORD [--k 10] [--model DIR] [--space decoder|text]`: the k
 * nearest words to WORD by cosine similarity of the shipped model's word embeddings (W_e), in the
 * full embedding space; `--space text` asks the text-only skip-gram vectors shipped beside it
 * instead (the map's other view). `--pairs a-b,c-d` prints each partner's neighbour rank instead.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nearest, neighbourRank, normaliseRows } from '../model/neighbours';
import { Vocabulary } from '../model/vocab';
import { fail, flagNumber, parseFlags, runIfMain, modelDirFlag } from './cli';
import { embeddingRows, spaceFlag } from './layout';

async function main() {
  const { flags, positional } = parseFlags();
  const modelDir = modelDirFlag(flags);
  const { vectors, dim } = await embeddingRows(modelDir, spaceFlag(flags));
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(modelDir, 'vocab.json'), 'utf8')));
  const unit = normaliseRows(vectors, dim);
  const idOf = (w: string) => {
    if (!vocab.has(w)) fail(`"${w}" is not in the model's vocabulary (${vocab.size} words)`);
    return vocab.id(w);
  };
  if (typeof flags['pairs'] === 'string') {
    const rows = flags['pairs'].split(',').map((pair) => {
      const [a, b] = pair.split('-') as [string, string];
      return { word: a, partner: b, rank: neighbourRank(unit, dim, vocab.words, idOf(a), idOf(b)) };
    });
    if (flags['json']) console.log(JSON.stringify(rows, null, 1));
    else for (const r of rows) console.log(`${r.word}\t${r.partner}\t${r.rank}`);
    return;
  }
  if (positional.length !== 1) fail('usage: npm run --silent neighbors -- [--json] [--k 10] [--space decoder|text] WORD');
  const k = flagNumber(flags, 'k', 10);
  const result = nearest(unit, dim, vocab.words, idOf(positional[0]!), k).map((n) => ({ word: n.word, cosine: Number(n.cosine.toFixed(6)) }));
  if (flags['json']) console.log(JSON.stringify(result, null, 1));
  else for (const n of result) console.log(`${n.word}\t${n.cosine.toFixed(4)}`);
}

runIfMain(import.meta.url, main);
