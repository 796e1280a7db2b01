import { describe, expect, it } from 'vitest';
import { pipelineBlock } from '../../src/train/model-card';
import { PIPELINE_TRAINING, stageMinutes, trainingArgs, TRAINING_SHARES, type BudgetPlan, type PipelineRecord } from '../../src/train/pipeline';

const plan: BudgetPlan = { budget: 120, reserve: 10, overhead: 1 };

describe('npm run pipeline: sharing the budget among the training stages', () => {
  it('splits what features left by the shares, after the reserve and each stage overhead', () => {
    // 40 min of features: 120 − 40 − 10 − 3 × 1 = 67 min to share.
    expect(stageMinutes(plan, 'pretrain', 40)).toBeCloseTo(67 * TRAINING_SHARES.pretrain, 0);
  });

  it('lets a later stage absorb an earlier overrun, and spends what the earlier ones left unused', () => {
    const pretrain = stageMinutes(plan, 'pretrain', 40);
    const onTime = stageMinutes(plan, 'train', 40 + pretrain + 1);
    const late = stageMinutes(plan, 'train', 40 + pretrain + 6);
    expect(late).toBeLessThan(onTime);
    // The two stages left share the rest in proportion 0.76 : 0.17.
    const train = onTime;
    const scst = stageMinutes(plan, 'self-critical', 40 + pretrain + 1 + train + 1);
    expect(40 + pretrain + 1 + train + 1 + scst + 1 + plan.reserve).toBeCloseTo(plan.budget, 0);
    expect(train / scst).toBeCloseTo(0.76 / 0.17, 0);
  });

  it('gives each stage at least a minute when the budget is already spent', () => {
    expect(stageMinutes(plan, 'train', 130)).toBe(1);
  });
});

describe('npm run pipeline: the caption-training settings it passes on', () => {
  it('passes its defaults to train unless the pipeline is given the same flag', () => {
    expect(trainingArgs({})).toEqual(['--lr-decay', String(PIPELINE_TRAINING['lr-decay']), '--average', String(PIPELINE_TRAINING.average)]);
    expect(trainingArgs({ average: '0.999', 'lr-decay': '0.85' })).toEqual(['--lr-decay', '0.85', '--average', '0.999']);
  });
});

describe('the model card renders the timed run from its record', () => {
  const record: PipelineRecord = {
    budgetMinutes: 120,
    plan,
    shares: TRAINING_SHARES,
    work: 'artifacts/pipeline',
    started: '2026-01-01T10:00:00.000Z',
    stages: [
      { stage: 'features', command: 'tsx src/train/features.ts', started: '2026-01-01T10:00:00.000Z', seconds: 1201 },
      { stage: 'train', command: 'tsx src/train/train.ts', started: '2026-01-01T10:20:00.000Z', seconds: 3725, minutesGiven: 61.5 },
    ],
    totalSeconds: 7210,
    withinBudget: false,
    alpha: 0.8,
    test: { 'beam 3': { 'BLEU-1': 0.58, 'BLEU-2': 0.4, 'BLEU-3': 0.3, 'BLEU-4': 0.165, 'ROUGE-L': 0.42, 'CIDEr-D': 0.4, distinct: 0.5 } },
  };

  it('lists each stage with the time it was given and took, and says plainly whether the budget and floor were met', () => {
    const block = pipelineBlock(record);
    expect(block).toMatch(/\| features \| – \| 20 min 01 s \|/);
    expect(block).toMatch(/\| train \| 61\.5 min \| 62 min 05 s \|/);
    expect(block).toMatch(/in \*\*120 min 10 s\*\* of wall time, \*\*over\*\* the 120-minute budget/);
    expect(block).toMatch(/this run's own model reaches BLEU-1 0\.580, BLEU-4 0\.165 .*\*\*misses the project's floor\*\*/);
    expect(block).toMatch(/α = 0\.8, chosen on dev/);
    expect(pipelineBlock({ ...record, totalSeconds: 7000, withinBudget: true })).toMatch(/, within the 120-minute budget/);
  });
});
