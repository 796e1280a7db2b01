import { describe, expect, it } from 'vitest';
import { trainingInvocations } from '../../src/train/export';
import { ablationTables, commonSteps, FLOOR_BLEU4, metricsTable, replaceBlock, trainingBlock, tuningBlock, verdict } from '../../src/train/model-card';

const row = (b1: number, b4: number) => ({ 'BLEU-1': b1, 'BLEU-2': 0.4, 'BLEU-3': 0.3, 'BLEU-4': b4, 'ROUGE-L': 0.45, 'CIDEr-D': 0.41, distinct: 0.3 });

describe('model card generation', () => {
  it('the verdict says plainly whether the floor is met, from the beam-3 row', () => {
    expect(verdict({ 'beam 3': row(0.6, FLOOR_BLEU4 - 0.001) })).toMatch(/\*\*misses the project's floor\*\*/);
    expect(verdict({ 'beam 3': row(0.6, FLOOR_BLEU4) })).toMatch(/it meets the project's floor/);
    expect(verdict({ 'beam 3': row(0.6, 0.18) })).toMatch(/is below Show and Tell's BLEU-1 0.63, and is below the 0.213/);
    expect(verdict({ 'beam 3': row(0.64, 0.22) })).toMatch(/reaches Show and Tell's BLEU-1 0.63, and reaches the 0.213/);
  });

  it('tables print BLEU ×100 and CIDEr-D as is, with the published rows after ours', () => {
    const t = metricsTable({ greedy: row(0.5123, 0.1456) });
    const lines = t.split('\n');
    expect(lines[2]).toBe('| ours, greedy | 51.2 | 40.0 | 30.0 | 14.6 | 45.0 | 0.410 | 30.0 % |');
    expect(lines[3]).toMatch(/^\| Show and Tell \(NIC\)/);
  });

  it('reads each invocation of a run from its log, with the step it resumed at', () => {
    const log = [
      '2026-01-01T10:00:00.000Z train: backend wasm',
      '2026-01-01T10:00:01.000Z train: 29905 training captions of 6000 images, dev 1000 images, pretrain x, config {"a":1}, settings {"learningRate":0.001,"lrDecay":0.85}',
      '2026-01-01T10:30:00.000Z train: eval at step 117',
      '2026-01-01T12:00:01.000Z ablation: 29905 training captions of 6000 images, dev 1000 images, pretrain none, config {"a":1}, settings {"learningRate":0.002}',
      '2026-01-01T13:00:01.000Z train: 29905 training captions of 6000 images, dev 1000 images, pretrain x, config {"a":1}, settings {"learningRate":0.001,"lrDecay":0.9}',
      '2026-01-01T13:00:02.000Z train: resumed from /w/checkpoints/train at epoch 4, batch 159, step 1135',
    ].join('\n');
    expect(trainingInvocations(log, 'train')).toEqual([
      { started: '2026-01-01T10:00:01.000Z', settings: { learningRate: 0.001, lrDecay: 0.85 }, resumedAtStep: 0 },
      { started: '2026-01-01T13:00:01.000Z', settings: { learningRate: 0.001, lrDecay: 0.9 }, resumedAtStep: 1135 },
    ]);
  });

  it('the training block marks the best evaluation and lists every invocation', () => {
    const block = trainingBlock({
      run: 'train',
      config: { vocabSize: 10, embedDim: 4, hiddenDim: 8 },
      settings: { batchSize: 128, dropout: 0.3, evalEvery: 117 },
      pretrain: true,
      state: { step: 234, epoch: 1, batch: 0, tokens: 300000, seconds: 600, best: { score: 0.2, step: 117 }, history: [{ step: 117, loss: 3.5, 'dev CIDEr-D': 0.2, 'dev BLEU-4': 0.1, 'dev BLEU-1': 0.5, distinct: 0.1 }, { step: 200, loss: 3.4 }, { step: 234, loss: 3.3, 'dev CIDEr-D': 0.19, 'dev BLEU-4': 0.1, 'dev BLEU-1': 0.5, distinct: 0.2 }] },
      invocations: [
        { started: '2026-01-01T10:00:01.000Z', settings: { learningRate: 0.001, lrDecay: 0.85, minutes: 60 }, resumedAtStep: 0 },
        { started: '2026-01-01T12:00:01.000Z', settings: { learningRate: 0.001, lrDecay: 0.9, minutes: 30, workers: 1, averageDecay: 0.998 }, resumedAtStep: 200 },
      ],
      trainingCaptions: 29952,
    });
    expect(block).toMatch(/234 steps \(1\.00 epochs of 29,952 captions\), 300,000 tokens in 10\.0 min of training = 500 tokens\/s/);
    expect(block).toMatch(/\| 117 \(best\) \| 3\.500 \| 0\.200 \|/);
    expect(block).toMatch(/\| 234 \| 3\.300 \| 0\.190 \|/);
    expect(block.match(/^\| 200 /m)).toBeNull(); // loss-only rows are not evaluations
    expect(block).toMatch(/run started 2026-01-01 10:00 UTC at step 0: lr 0.001 × 0.85 per epoch, budget 60 min, one core\./);
    expect(block).toMatch(/at step 200: .*second core; evaluated \(and kept\) as a moving average of the weights, decay 0.998\./);
  });

  it('a self-critical run is listed after the run it fine-tuned, with its own table', () => {
    const base = {
      run: 'train',
      config: { vocabSize: 10, embedDim: 4, hiddenDim: 8 },
      settings: { batchSize: 128, dropout: 0.3, evalEvery: 117 },
      pretrain: true,
      state: { step: 117, epoch: 1, batch: 0, tokens: 1000, seconds: 60, best: { score: 0.2, step: 117 }, history: [{ step: 117, loss: 3.5, 'dev CIDEr-D': 0.2, 'dev BLEU-4': 0.1, 'dev BLEU-1': 0.5, distinct: 0.1 }] },
      trainingCaptions: 29952,
    };
    const block = trainingBlock({
      run: 'scst',
      config: base.config,
      settings: { batchSize: 25, dropout: 0, evalEvery: 60, learningRate: 5e-5, selfCritical: 5 },
      pretrain: false,
      state: { step: 240, epoch: 1, batch: 0, tokens: 2000, seconds: 120, best: { score: 0.25, step: 240 }, history: [{ step: 240, loss: -0.8, 'dev CIDEr-D': 0.25, 'dev BLEU-4': 0.12, 'dev BLEU-1': 0.55, distinct: 0.7 }] },
      trainingExamples: 6000,
      base,
    });
    const [first, second] = block.split('**Self-critical fine-tuning**');
    expect(first).toMatch(/Caption training\*\*: 117 steps/);
    expect(first).toMatch(/0\.200 at step 117, is where the fine-tuning below starts\./);
    expect(second).toMatch(/240 steps \(1\.00 epochs of 6,000 images\)/);
    expect(second).toMatch(/5 captions sampled per image/);
    expect(second).toMatch(/0\.250 at step 240, is what ships\./);
    expect(second).toMatch(/\| 240 \(best\) \| -0\.800 \| 0\.250 \|/);
  });

  it('a run started from embedding-init weights lists the skip-gram step between its base and itself', () => {
    const run = (name: string, step: number, score: number) => ({
      run: name,
      config: { vocabSize: 10, embedDim: 4, hiddenDim: 8 },
      settings: { batchSize: 25, dropout: 0, evalEvery: 60, learningRate: 5e-5, selfCritical: 5 },
      pretrain: false,
      state: { step, epoch: 1, batch: 0, tokens: 2000, seconds: 120, best: { score, step }, history: [{ step, loss: -0.5, 'dev CIDEr-D': score, 'dev BLEU-4': 0.12, 'dev BLEU-1': 0.55, distinct: 0.7 }] },
      trainingExamples: 6000,
    });
    const init = { stage: 'embedding-init' as const, skipgram: { settings: { dim: 4, window: 2, negatives: 5, epochs: 15 }, sentences: 198043, seconds: 435 }, residual: 0.575 };
    const block = trainingBlock({ ...run('scst-sg', 120, 0.3), settings: { ...run('', 0, 0).settings, frozen: ['embedding/We'] } as unknown as Record<string, number>, base: { ...init, base: run('scst', 240, 0.25) } });
    const [before, skipgram, after] = block.split(/\*\*Word embeddings from skip-gram\*\*|\*\*Self-critical fine-tuning\*\* \(`npm run train -- --self-critical 5`, from the weights above, embedding\/We frozen\)/);
    expect(before).toMatch(/0\.250 at step 240, is where the fine-tuning below starts/);
    expect(skipgram).toMatch(/--dim 4 --window 2/);
    expect(skipgram).toMatch(/15 epochs on 198,043 captions/);
    expect(skipgram).toMatch(/57\.5 %/);
    expect(after).toMatch(/0\.300 at step 120, is what ships\./);
  });

  it('the tuning block lists every α on dev and marks the chosen one', () => {
    const rows = [0, 0.5].map((alpha) => ({ alpha, metrics: { 'BLEU-1': 0.5 + alpha / 10, 'BLEU-4': 0.15 + alpha / 100, 'CIDEr-D': 0.3 }, words: 9 + alpha }));
    const block = tuningBlock({ split: 'Flickr8k dev', images: 1000, beamWidth: 3, criterion: 'dev BLEU-4', command: 'npm run tune-decoding', date: '2026-01-02', rows, chosen: { alpha: 0.5 } }).join('\n');
    expect(block).toMatch(/\| 0 \| 50\.0 \| 15\.0 \| 0\.300 \| 9\.00 \|/);
    expect(block).toMatch(/\| 0\.5 \(chosen\) \| 55\.0 \| 15\.5 \| 0\.300 \| 9\.50 \|/);
    expect(block).toMatch(/Flickr8k dev split \(1000 images, never the test split\)/);
  });

  it('ablations compare runs at the dev steps they all reached', () => {
    const rows: { run: string; note: string; devCurve: Record<string, number> }[] = [
      { run: 'train', note: 'long run', devCurve: { 117: 0.13, 234: 0.15, 351: 0.18 } },
      { run: 'no-pre', note: 'no pre-training', devCurve: { 117: 0.07, 234: 0.136 } },
    ];
    expect(commonSteps(rows)).toEqual([117, 234]);
    const longer = [...rows, { run: 'd', note: 'dropout', devCurve: { 117: 0.12, 351: 0.17, 468: 0.2 } }];
    expect(commonSteps(longer)).toEqual([117, 234, 351]); // 468: one run only
    expect(commonSteps([rows[0]!])).toEqual([117, 234, 351]);
    const text = ablationTables({ rows: longer, command: 'npm run ablations -- --dev-only', date: '2026-01-02' }).join('\n');
    expect(text).toMatch(/\| run \| what it was \| step 117 \| step 234 \| step 351 \|/);
    expect(text).toMatch(/\| no-pre \| no pre-training \| 0\.070 \| 0\.136 \| – \|/);
    expect(text).toMatch(/\| d \| dropout \| 0\.120 \| – \| 0\.170 \|/);
    expect(text).not.toMatch(/step 468/);
    expect(text).not.toMatch(/test split, beam 3/); // dev-only rows have no test metrics to show
  });

  it('replaces only the named block and refuses a card without it', () => {
    const card = 'a\n<!-- x:start -->\nold\n<!-- x:end -->\nb';
    expect(replaceBlock(card, 'x', 'new')).toBe('a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb');
    expect(() => replaceBlock(card, 'y', 'new')).toThrow(/no <!-- y:start -->/);
  });
});
