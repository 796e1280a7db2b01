import { describe, expect, it } from 'vitest';
import { stageMinutes, TRAINING_SHARES, type BudgetPlan } from '../../src/train/pipeline';

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
