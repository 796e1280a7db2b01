/**
 * Precomputed traces: the default photo's three decodings, made in Node from the committed model by
 * `npm run precompute-traces` (scripts/precompute-traces.ts) and served as public/traces/<photo>.json,
 * so the article's figures paint at once and small screens can read them without the 4 MB model
 * (design.md §1: "Example photos ship precomputed traces so the article paints at once").
 *
 * Float arrays are stored as 16-bit integers with a per-array offset and scale (a third of float32
 * base64's size; logits keep ~1e-4 nats of precision, plenty for bars and re-softmax at another
 * temperature). -Infinity (masked logits) is the reserved code 65535.
 *
 * DOM-free except `publishPrecomputed`, which fetches and writes the store.
 */
import type { BeamNode, DecoderKind, Gates, Trace, TraceStep } from '../model/trace';
import { GATE_NAMES } from '../model/trace';
import type { AppState } from '../state/state';
import { DEFAULT_STATE } from '../state/state';

export const PRECOMPUTED_VERSION = 1;
const NEG_INF_CODE = 65535;
const MAX_CODE = 65534;

/** One quantised array: values ≈ offset + code · scale. */
export interface Packed {
  n: number;
  offset: number;
  scale: number;
  /** base64 of little-endian uint16 codes. */
  data: string;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

export function packFloats(values: ArrayLike<number>): Packed {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) lo = hi = 0;
  const scale = hi > lo ? (hi - lo) / MAX_CODE : 1;
  const codes = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === -Infinity) codes[i] = NEG_INF_CODE;
    else if (!Number.isFinite(v)) throw new Error(`packFloats: ${v} at ${i} cannot be stored`);
    else codes[i] = Math.round((v - lo) / scale);
  }
  const bytes = new Uint8Array(codes.length * 2);
  const view = new DataView(bytes.buffer);
  codes.forEach((c, i) => view.setUint16(i * 2, c, true));
  return { n: values.length, offset: lo, scale, data: toBase64(bytes) };
}

export function unpackFloats(p: Packed): Float32Array {
  const bytes = fromBase64(p.data);
  if (bytes.length !== p.n * 2) throw new Error(`unpackFloats: expected ${p.n * 2} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(p.n);
  for (let i = 0; i < p.n; i++) {
    const c = view.getUint16(i * 2, true);
    out[i] = c === NEG_INF_CODE ? -Infinity : p.offset + c * p.scale;
  }
  return out;
}

type PackedGates = Record<(typeof GATE_NAMES)[number], Packed>;
const packGates = (g: Gates): PackedGates => Object.fromEntries(GATE_NAMES.map((n) => [n, packFloats(g[n])])) as PackedGates;
const unpackGates = (g: PackedGates): Gates => Object.fromEntries(GATE_NAMES.map((n) => [n, unpackFloats(g[n])])) as unknown as Gates;

type PackedStep = Omit<TraceStep, 'gates' | 'logits'> & { gates: PackedGates; logits: Packed };
type PackedNode = Omit<BeamNode, 'gates'> & { gates?: PackedGates };
export type PackedTrace = Omit<Trace, 'imageGates' | 'steps' | 'beam'> & {
  imageGates: PackedGates;
  steps: PackedStep[];
  beam?: { nodes: PackedNode[]; best: number };
};

export function packTrace(t: Trace): PackedTrace {
  return {
    ...t,
    imageGates: packGates(t.imageGates),
    steps: t.steps.map((s) => ({ ...s, gates: packGates(s.gates), logits: packFloats(s.logits) })),
    ...(t.beam ? { beam: { best: t.beam.best, nodes: t.beam.nodes.map(({ gates, ...n }) => (gates ? { ...n, gates: packGates(gates) } : n)) } } : {}),
  };
}

export function unpackTrace(p: PackedTrace): Trace {
  const { beam, ...rest } = p;
  const trace: Trace = {
    ...rest,
    imageGates: unpackGates(p.imageGates),
    steps: p.steps.map((s) => ({ ...s, gates: unpackGates(s.gates), logits: unpackFloats(s.logits) })),
  };
  if (beam) trace.beam = { best: beam.best, nodes: beam.nodes.map(({ gates, ...n }) => (gates ? { ...n, gates: unpackGates(gates) } : n)) };
  return trace;
}

/** The settings the precomputed traces were decoded with: the app's defaults. */
export const PRECOMPUTED_SETTINGS = {
  k: DEFAULT_STATE.k,
  alpha: DEFAULT_STATE.alpha,
  temperature: DEFAULT_STATE.temperature,
  topk: DEFAULT_STATE.topk,
  seed: DEFAULT_STATE.seed,
} as const;

export interface PrecomputedFile {
  version: number;
  /** The decoder folder (models/current.json) and a fingerprint of its files: a stale file is never shown. */
  model: string;
  fingerprint: string;
  photo: string;
  settings: typeof PRECOMPUTED_SETTINGS;
  feature: Packed;
  classes: { name: string; score: number }[];
  traces: Record<DecoderKind, PackedTrace>;
}

/** True when the live model would decode this state exactly as the file did (same photo, default settings, nothing forced). */
export function stateMatches(state: Pick<AppState, 'photo' | 'k' | 'alpha' | 'temperature' | 'topk' | 'seed' | 'force'>, file: Pick<PrecomputedFile, 'photo' | 'settings'>): boolean {
  const s = file.settings;
  return state.photo === file.photo && state.k === s.k && state.alpha === s.alpha && state.temperature === s.temperature && state.topk === s.topk && state.seed === s.seed && state.force.length === 0;
}

/** The url of a photo's precomputed traces (only plain ids: the name becomes a path). */
export function precomputedUrl(base: string, photo: string): string | null {
  if (!/^[a-z0-9_-]{1,40}$/.test(photo)) return null;
  return `${base.endsWith('/') ? base : base + '/'}traces/${photo}.json`;
}
