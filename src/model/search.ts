/**
 * Decoding strategies over any StepModel. Each returns a Trace (see trace.ts).
 *
 * - greedy: argmax of p_t at every step;
 * - sample: draw from softmax(logits / T), optionally among the top-k only, with a seeded PRNG;
 * - beamSearch: keep the k best partial captions; a candidate that emits `<end>` leaves the beam
 *   as finished, so the beam shrinks (k = 1 is exactly greedy, and k ≥ |V|^L is exhaustive).
 *
 * `<start>` and `<unk>` are masked out of p_t: the model never emits them.
 */
import { mulberry32 } from './prng';
import type { BeamNode, BeamOptions, DecodeOptions, Gates, LstmState, SampleOptions, StepModel, TokenProb, Trace, TraceStep } from './trace';
import { END_ID, START_ID, UNK_ID } from './vocab';

export const MASKED_TOKENS = [START_ID, UNK_ID] as const;
const DEFAULT_TOP_K = 10;
export const DEFAULT_MIN_LENGTH = 1;

/**
 * The decoding the site, the caption CLI and the reported test figures use unless told otherwise.
 * α (length normalisation) was chosen on the dev split for the shipped model by
 * `npm run tune-decoding` (public/models/eval/decoding-tuning.json; a unit test keeps them equal).
 */
export const DEFAULT_BEAM: BeamOptions = { beamWidth: 3, alpha: 1, maxLength: 20, minLength: DEFAULT_MIN_LENGTH };

/** Copy of the logits with masked tokens at −∞; `<end>` too while the caption is shorter than minLength. */
export function maskLogits(logits: Float32Array, t = Infinity, minLength = DEFAULT_MIN_LENGTH): Float32Array {
  const out = Float32Array.from(logits);
  for (const id of MASKED_TOKENS) if (id < out.length) out[id] = -Infinity;
  if (t < minLength) out[END_ID] = -Infinity;
  return out;
}

/** log softmax(logits / temperature) in float64. */
export function logSoftmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const n = logits.length;
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[k]! / temperature);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(logits[k]! / temperature - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = logits[k]! / temperature - lse;
  return out;
}

export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  return logSoftmax(logits, temperature).map(Math.exp);
}

/** Indices of the k largest values, best first (ties: lower id first, so results are deterministic). */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const n = values.length;
  if (k <= 0) return [];
  if (k * 8 >= n) {
    const idx: number[] = [];
    for (let v = 0; v < n; v++) if (values[v]! > -Infinity) idx.push(v);
    idx.sort((a, b) => values[b]! - values[a]! || a - b);
    return idx.slice(0, k);
  }
  // Partial selection: one pass keeping the best k in order. Sorting all of a 3,000-word
  // vocabulary at every step was most of beam search's time in the page.
  const best: number[] = [];
  for (let v = 0; v < n; v++) {
    const x = values[v]!;
    if (x === -Infinity) continue;
    if (best.length === k && x <= values[best[k - 1]!]!) continue; // equal value: the lower id already in wins
    let i = best.length === k ? k - 1 : best.length;
    while (i > 0 && values[best[i - 1]!]! < x) i--;
    best.splice(i, 0, v);
    if (best.length > k) best.pop();
  }
  return best;
}

export function entropy(logp: Float64Array): number {
  let h = 0;
  for (const lp of logp) if (lp > -Infinity) h -= Math.exp(lp) * lp;
  return h;
}

function topProbs(logp: Float64Array, k: number): TokenProb[] {
  return topIndices(logp, k).map((id) => ({ id, p: Math.exp(logp[id]!) }));
}

function checkOptions(opts: DecodeOptions): void {
  if (!Number.isInteger(opts.maxLength) || opts.maxLength < 1) throw new Error(`decode: maxLength must be a positive integer, got ${opts.maxLength}`);
}

/**
 * Walk one path: at each step, feed the previous token, get p_t, let `choose` pick the next token
 * (forced prefix tokens win). Shared by greedy and sampling.
 */
function decodePath(model: StepModel, feature: Float32Array, opts: DecodeOptions, choose: (logits: Float32Array, logp: Float64Array, t: number) => number): Omit<Trace, 'decoder' | 'options'> {
  checkOptions(opts);
  const topK = opts.topK ?? DEFAULT_TOP_K;
  const prefix = opts.prefix ?? [];
  const image = model.imageStep(feature);
  let state: LstmState = image.state;
  let input = START_ID;
  const steps: TraceStep[] = [];
  let total = 0;
  let finished = false;
  for (let t = 0; t < opts.maxLength; t++) {
    const out = model.step([state], [input]);
    state = out.states[0]!;
    const logits = maskLogits(out.logits[0]!, t, opts.minLength);
    const logp = logSoftmax(logits);
    const forced = t < prefix.length;
    const chosen = forced ? prefix[t]! : choose(logits, logp, t);
    total += logp[chosen]!;
    steps.push({ t, input, gates: out.gates[0]!, logits, top: topProbs(logp, topK), chosen, logp: logp[chosen]!, entropy: entropy(logp), forced });
    if (chosen === END_ID) {
      finished = true;
      break;
    }
    input = chosen;
  }
  const tokens = steps.map((s) => s.chosen).filter((id) => id !== END_ID);
  return { imageGates: image.gates, steps, tokens, logp: total, finished };
}

export function greedy(model: StepModel, feature: Float32Array, opts: DecodeOptions): Trace {
  const path = decodePath(model, feature, opts, (_logits, logp) => topIndices(logp, 1)[0]!);
  return { decoder: 'greedy', options: opts, ...path };
}

/** Draw one index from softmax(logits / T) restricted to the top-k (k = 0: all). T ≤ 0 means argmax. */
export function drawToken(logits: Float32Array, temperature: number, sampleTopK: number, random: () => number): number {
  if (temperature <= 0) return topIndices(logits, 1)[0]!;
  const scaled = logSoftmax(logits, temperature);
  // Without a top-k restriction every token is a candidate, in id order (no sort needed).
  const candidates = sampleTopK > 0 ? topIndices(scaled, sampleTopK) : Array.from(scaled.keys()).filter((id) => scaled[id]! > -Infinity);
  let mass = 0;
  for (const id of candidates) mass += Math.exp(scaled[id]!);
  let u = random() * mass;
  for (const id of candidates) {
    u -= Math.exp(scaled[id]!);
    if (u <= 0) return id;
  }
  return candidates[0]!; // rounding left u a hair above 0: fall back to the most likely token
}

export function sample(model: StepModel, feature: Float32Array, opts: SampleOptions): Trace {
  if (!(opts.temperature >= 0)) throw new Error(`sample: temperature must be ≥ 0, got ${opts.temperature}`);
  const random = mulberry32(opts.seed);
  const path = decodePath(model, feature, opts, (logits) => drawToken(logits, opts.temperature, opts.sampleTopK, random));
  return { decoder: 'sample', options: opts, ...path };
}

export function lengthNormalisedScore(logp: number, length: number, alpha: number): number {
  return alpha === 0 ? logp : logp / Math.pow(length, alpha);
}

interface Live {
  node: BeamNode;
  state: LstmState;
}

export function beamSearch(model: StepModel, feature: Float32Array, opts: BeamOptions): Trace {
  checkOptions(opts);
  const k = opts.beamWidth;
  if (!Number.isInteger(k) || k < 1) throw new Error(`beamSearch: beamWidth must be a positive integer, got ${k}`);
  const alpha = opts.alpha ?? 0;
  const topK = opts.topK ?? DEFAULT_TOP_K;
  const expansions = Math.max(k, opts.expansions ?? k);
  const prefix = opts.prefix ?? [];

  const image = model.imageStep(feature);
  const nodes: BeamNode[] = [{ id: 0, parent: -1, token: START_ID, step: -1, tokenLogp: 0, logp: 0, score: 0, status: 'root' }];
  // What each expanded node produced: its gates and logits, needed to write the best path's steps.
  const produced = new Map<number, { gates: Gates; logits: Float32Array; logp: Float64Array }>();
  let live: Live[] = [{ node: nodes[0]!, state: image.state }];
  const finished: BeamNode[] = [];

  for (let t = 0; t < opts.maxLength && live.length > 0; t++) {
    const out = model.step(live.map((l) => l.state), live.map((l) => l.node.token));
    // Each parent's top `expansions` tokens. A survivor is always within its parent's top k (its
    // better siblings rank above it globally), so these candidates are enough, and the pruned ones
    // among them are what the tree shows as cut.
    const candidates: { parent: number; token: number; tokenLogp: number; logp: number }[] = [];
    live.forEach((l, b) => {
      const logits = maskLogits(out.logits[b]!, t, opts.minLength);
      const logp = logSoftmax(logits);
      produced.set(l.node.id, { gates: out.gates[b]!, logits, logp });
      l.node.gates = out.gates[b]!;
      l.node.top = topProbs(logp, topK);
      const allowed = t < prefix.length ? [prefix[t]!] : topIndices(logp, expansions);
      for (const token of allowed) candidates.push({ parent: b, token, tokenLogp: logp[token]!, logp: l.node.logp + logp[token]! });
    });
    // All candidates at step t have the same length, so ranking by logp equals ranking by score.
    const ranked = [...candidates].sort((a, b) => b.logp - a.logp || a.parent - b.parent || a.token - b.token);
    const kept = new Set(ranked.slice(0, t < prefix.length ? 1 : k));
    const nextLive: Live[] = [];
    for (const c of candidates) {
      const parent = live[c.parent]!;
      const length = t + 1;
      const isEnd = c.token === END_ID;
      const survives = kept.has(c);
      const node: BeamNode = {
        id: nodes.length,
        parent: parent.node.id,
        token: c.token,
        step: t,
        tokenLogp: c.tokenLogp,
        logp: c.logp,
        score: lengthNormalisedScore(c.logp, length, alpha),
        // Reaching maxLength also ends a hypothesis (cut, without `<end>`).
        status: !survives ? 'pruned' : isEnd || length === opts.maxLength ? 'finished' : 'survived',
      };
      nodes.push(node);
      if (node.status === 'finished') finished.push(node);
      else if (node.status === 'survived') nextLive.push({ node, state: out.states[c.parent]! });
    }
    // Keep live hypotheses in rank order so the tree and the batch are deterministic.
    nextLive.sort((a, b) => b.node.logp - a.node.logp || a.node.id - b.node.id);
    live = nextLive;
    // A live hypothesis can only lose log p, so the best score it can still reach is its log p now,
    // normalised at the longest length allowed (α = 0: its log p). Once the best finished one beats
    // that bound for every live one, nothing can overtake it.
    if (finished.length > 0 && live.length > 0) {
      const bestDone = Math.max(...finished.map((f) => f.score));
      if (live.every((l) => lengthNormalisedScore(l.node.logp, opts.maxLength, alpha) < bestDone)) {
        for (const l of live) l.node.status = 'pruned';
        live = [];
      }
    }
  }

  const best = finished.reduce((a, b) => (b.score > a.score || (b.score === a.score && b.id < a.id) ? b : a));
  const path: BeamNode[] = [];
  for (let n: BeamNode | undefined = best; n && n.parent >= 0; n = nodes[n.parent]) path.unshift(n);
  const steps: TraceStep[] = path.map((n, t) => {
    const from = produced.get(n.parent)!;
    return {
      t,
      input: nodes[n.parent]!.token,
      gates: from.gates,
      logits: from.logits,
      top: topProbs(from.logp, topK),
      chosen: n.token,
      logp: n.tokenLogp,
      entropy: entropy(from.logp),
      forced: t < prefix.length,
    };
  });
  return {
    decoder: 'beam',
    options: opts,
    imageGates: image.gates,
    steps,
    tokens: path.map((n) => n.token).filter((id) => id !== END_ID),
    logp: best.logp,
    finished: best.token === END_ID,
    beam: { nodes, best: best.id },
  };
}
