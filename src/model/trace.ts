/**
 * The Trace: the contract between the model and every view (design.md §1).
 * Decoding produces a Trace; views render a Trace and never call the model.
 */

/** The six LSTM vectors after one step, each of length H. */
export interface Gates {
  i: Float32Array; // input gate
  f: Float32Array; // forget gate
  o: Float32Array; // output gate
  g: Float32Array; // candidate
  c: Float32Array; // cell
  h: Float32Array; // hidden state
}
export const GATE_NAMES = ['i', 'f', 'o', 'g', 'c', 'h'] as const;
export type GateName = (typeof GATE_NAMES)[number];

export interface LstmState {
  h: Float32Array;
  c: Float32Array;
}

/**
 * What a search needs from a decoder, batch by batch. Implemented by the tfjs decoder (browser and
 * Node) and by the float64 reference used in tests, so search code is identical for both.
 */
export interface StepModel {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  /** Feed the image once, as x₋₁ = W_I·f + b_I, from a zero state. */
  imageStep(feature: Float32Array): { state: LstmState; gates: Gates };
  /** Feed one token per hypothesis; returns new states, gates and the logits W_o·h + b_o. */
  step(states: readonly LstmState[], tokens: readonly number[]): { states: LstmState[]; gates: Gates[]; logits: Float32Array[] };
}

export interface TokenProb {
  id: number;
  p: number;
}

export interface TraceStep {
  /** Position of the emitted word in the caption, from 0. */
  t: number;
  /** The token fed to the LSTM at this step (`<start>` at t = 0). */
  input: number;
  /** LSTM vectors after consuming `input`: they produce p_t. */
  gates: Gates;
  /** Raw logits (masked tokens are -Infinity): views re-apply temperature to these without the model. */
  logits: Float32Array;
  /** Top-k of p_t (temperature 1), best first. */
  top: TokenProb[];
  /** The token chosen at this step (may be `<end>`). */
  chosen: number;
  /** log p_t(chosen) under the model (temperature 1). */
  logp: number;
  /** Entropy of p_t in nats. */
  entropy: number;
  /** True when the reader forced this word (what-if). */
  forced: boolean;
}

export type BeamStatus = 'root' | 'survived' | 'pruned' | 'finished';

export interface BeamNode {
  id: number;
  /** -1 for the root. */
  parent: number;
  token: number;
  /** Word position (0-based); the root (`<start>`) is -1. */
  step: number;
  /** log p of this single token given its prefix. */
  tokenLogp: number;
  /** Cumulative log p of the path root → this node. */
  logp: number;
  /** Ranking score: logp / length^α. */
  score: number;
  status: BeamStatus;
  /** For expanded nodes: the LSTM state after consuming this token and the top of its p. */
  gates?: Gates;
  top?: TokenProb[];
}

export type DecoderKind = 'greedy' | 'sample' | 'beam';

export interface DecodeOptions {
  maxLength: number;
  /** `<end>` is masked before this many words (default 1: an empty caption is never useful). */
  minLength?: number;
  /** Tokens forced at the start of the caption (what-if); decoding continues from them. */
  prefix?: number[];
  /** How many of p_t's best tokens each step records. */
  topK?: number;
}
export interface SampleOptions extends DecodeOptions {
  temperature: number;
  /** Sample only among the k most likely tokens; 0 = all. */
  sampleTopK: number;
  seed: number;
}
export interface BeamOptions extends DecodeOptions {
  beamWidth: number;
  /** Length normalisation: score = logp / length^alpha. */
  alpha: number;
  /** How many expansions of each parent the tree records (pruned ones included); at least beamWidth. */
  expansions?: number;
}

export interface Trace {
  decoder: DecoderKind;
  options: DecodeOptions | SampleOptions | BeamOptions;
  /** LSTM vectors after the image step (t = -1). */
  imageGates: Gates;
  /** The chosen path, one entry per emitted token, `<end>` included when it was emitted. */
  steps: TraceStep[];
  /** The caption's token ids, without `<end>`. */
  tokens: number[];
  /** Sum of the chosen tokens' log p (including `<end>` when emitted). */
  logp: number;
  /** Whether the caption ended with `<end>` (false: cut at maxLength). */
  finished: boolean;
  /** Beam search only: every hypothesis node, and the id of the best finished one. */
  beam?: { nodes: BeamNode[]; best: number };
}
