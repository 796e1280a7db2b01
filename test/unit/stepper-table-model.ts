/**
 * A tiny hand-written StepModel for the stepper's unit tests: the logits depend only on the last
 * token, from a table, so every probability in a trace is known in advance. Greedy reads
 * "a dog runs on grass" then `<end>`. Shared by test/unit/stepper-*.test.ts.
 */
import { beamSearch, greedy, sample } from '../../src/model/search';
import type { Gates, LstmState, StepModel, Trace } from '../../src/model/trace';

export const WORDS = ['<start>', '<end>', '<unk>', 'a', 'dog', 'runs', 'on', 'grass'] as const;
const V = WORDS.length;
const H = 2;

/** Row = last token; column = next token. `<start>` and `<unk>` are masked by the search anyway. */
const TABLE: Record<number, number[]> = {
  0: [0, 0.5, 0, 3, 1, 0.2, 0.1, 0.4], // <start> → a
  3: [0, 0.1, 0, 0.3, 2.5, 0.5, 0.2, 1.8], // a → dog
  4: [0, 0.8, 0, 0.2, 0.1, 2.2, 1.9, 0.3], // dog → runs
  5: [0, 0.6, 0, 0.4, 0.1, 0.2, 2.4, 0.3], // runs → on
  6: [0, 0.2, 0, 1.5, 0.3, 0.1, 0.2, 2.1], // on → grass
  7: [0, 3.0, 0, 0.5, 0.2, 0.4, 1.0, 0.1], // grass → <end>
  1: [0, 1, 0, 0, 0, 0, 0, 0],
};
TABLE[2] = TABLE[0]!;

function gates(token: number): Gates {
  const v = () => Float32Array.from([token / V, 1 - token / V]);
  return { i: v(), f: v(), o: v(), g: v(), c: v(), h: v() };
}

export const tableModel: StepModel = {
  vocabSize: V,
  hiddenSize: H,
  imageStep: () => ({ state: { h: new Float32Array(H), c: new Float32Array(H) }, gates: gates(0) }),
  step(states: readonly LstmState[], tokens: readonly number[]) {
    return {
      states: tokens.map((tok) => ({ h: Float32Array.from([tok, 0]), c: new Float32Array(H) })),
      gates: tokens.map(gates),
      logits: tokens.map((tok) => Float32Array.from(TABLE[tok]!)),
    };
  },
};

/** The logits row the table gives after `token` (before the search masks anything). */
export function logitsAfter(token: number): number[] {
  return [...TABLE[token]!];
}

const FEATURE = new Float32Array(4);
const BASE = { maxLength: 20, minLength: 1 };

export function traces(prefix: number[] = []): { greedy: Trace; sample: Trace; beam: Trace } {
  return {
    greedy: greedy(tableModel, FEATURE, { ...BASE, prefix }),
    sample: sample(tableModel, FEATURE, { ...BASE, prefix, temperature: 1, sampleTopK: 0, seed: 3 }),
    beam: beamSearch(tableModel, FEATURE, { ...BASE, prefix, beamWidth: 3, alpha: 0 }),
  };
}
