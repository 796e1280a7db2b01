import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { currentDecoderName, modelFingerprint } from '../../src/components/article/model-fingerprint';
import { packFloats, packTrace, precomputedUrl, stateMatches, unpackFloats, unpackTrace, type PrecomputedFile } from '../../src/lib/precomputed-trace';
import type { Trace } from '../../src/model/trace';
import { DEFAULT_STATE } from '../../src/state/state';

describe('packed floats', () => {
  test('round-trip within half a quantisation step, -Infinity kept', () => {
    const values = Float32Array.from([-12.5, 0, 3.25, -Infinity, 7.75, -0.001]);
    const p = packFloats(values);
    const back = unpackFloats(p);
    expect(back[3]).toBe(-Infinity);
    for (const i of [0, 1, 2, 4, 5]) expect(Math.abs(back[i]! - values[i]!)).toBeLessThanOrEqual(p.scale / 2 + 1e-6);
    expect(p.scale).toBeCloseTo((7.75 + 12.5) / 65534, 10);
  });

  test('refuses NaN', () => {
    expect(() => packFloats([1, NaN])).toThrow(/cannot be stored/);
  });

  test('a trace round-trips with its beam nodes', () => {
    const gates = () => ({ i: Float32Array.of(0.1, 0.9), f: Float32Array.of(1, 0), o: Float32Array.of(0.5, 0.5), g: Float32Array.of(-1, 1), c: Float32Array.of(-3, 2), h: Float32Array.of(-0.2, 0.3) });
    const trace: Trace = {
      decoder: 'beam',
      options: { maxLength: 20, beamWidth: 3, alpha: 0 } as Trace['options'],
      imageGates: gates(),
      steps: [{ t: 0, input: 0, gates: gates(), logits: Float32Array.of(-Infinity, 1, -2), top: [{ id: 1, p: 0.9 }], chosen: 1, logp: -0.1, entropy: 0.3, forced: false }],
      tokens: [],
      logp: -0.1,
      finished: true,
      beam: { best: 1, nodes: [{ id: 0, parent: -1, token: 0, step: -1, tokenLogp: 0, logp: 0, score: 0, status: 'root', gates: gates() }, { id: 1, parent: 0, token: 1, step: 0, tokenLogp: -0.1, logp: -0.1, score: -0.1, status: 'finished' }] },
    };
    const back = unpackTrace(JSON.parse(JSON.stringify(packTrace(trace))));
    expect(back.steps[0]!.logits[0]).toBe(-Infinity);
    expect(back.steps[0]!.logits[2]).toBeCloseTo(-2, 4);
    expect(back.imageGates.c[0]).toBeCloseTo(-3, 4);
    expect(back.beam!.nodes[0]!.gates!.i[1]).toBeCloseTo(0.9, 4);
    expect(back.beam!.nodes[1]!.gates).toBeUndefined();
    expect(back.steps[0]!.top).toEqual(trace.steps[0]!.top);
  });
});

describe('when precomputed traces may be shown', () => {
  // α follows the default chosen on dev (npm run tune-decoding), so the file is written with it.
  const file = { photo: 'dog', settings: { k: 3, alpha: DEFAULT_STATE.alpha, temperature: 1, topk: 0, seed: 1 } };
  test('only for the same photo, default settings and nothing forced', () => {
    expect(stateMatches(DEFAULT_STATE, file)).toBe(true);
    const viewState = { ...DEFAULT_STATE, step: 4, decoder: 'sample' as const };
    expect(stateMatches(viewState, file)).toBe(true); // view state does not matter
    expect(stateMatches({ ...DEFAULT_STATE, k: 5 }, file)).toBe(false);
    expect(stateMatches({ ...DEFAULT_STATE, alpha: DEFAULT_STATE.alpha === 0 ? 0.5 : 0 }, file)).toBe(false);
    expect(stateMatches({ ...DEFAULT_STATE, photo: 'kite' }, file)).toBe(false);
    expect(stateMatches({ ...DEFAULT_STATE, force: ['a'] }, file)).toBe(false);
  });
  test('urls only for plain photo ids', () => {
    expect(precomputedUrl('/', 'dog')).toBe('/traces/dog.json');
    expect(precomputedUrl('/sub', 'dog')).toBe('/sub/traces/dog.json');
    expect(precomputedUrl('/', '../x')).toBeNull();
  });
});

describe('the committed precomputed file', () => {
  const file = path.join('public', 'traces', `${DEFAULT_STATE.photo}.json`);
  test('exists for the default photo and was made from the committed model (else rerun scripts/precompute-traces.ts)', () => {
    expect(existsSync(file)).toBe(true);
    const json = JSON.parse(readFileSync(file, 'utf8')) as PrecomputedFile;
    const name = currentDecoderName();
    expect(json.model).toBe(name);
    expect(json.fingerprint).toBe(modelFingerprint(path.join('public', 'models', name)));
    expect(json.settings).toEqual({ k: DEFAULT_STATE.k, alpha: DEFAULT_STATE.alpha, temperature: DEFAULT_STATE.temperature, topk: DEFAULT_STATE.topk, seed: DEFAULT_STATE.seed });
    const beam = unpackTrace(json.traces.beam);
    expect(beam.tokens.length).toBeGreaterThan(0);
    expect(beam.steps.at(-1)!.logits.length).toBeGreaterThan(1000);
  });
});
