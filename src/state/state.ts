/**
 * The app's state as a typed list of properties, each with a default, a parser and a range, so any
 * state serialises to the URL and back (TensorFlow Playground's state.ts). Every view reads this;
 * a bad value in a link falls back to its default and leaves a note for the reader.
 */
import { DEFAULT_BEAM } from '../model/search';
import { EMBEDDING_SPACES, type EmbeddingSpace } from '../model/text-embedding';
import { GATE_NAMES, type DecoderKind, type GateName } from '../model/trace';

export type UnitSort = 'variance' | 'activation' | 'cluster';

export interface AppState {
  /** Example photo id (file name without .jpg), or 'upload' / 'webcam' for the reader's own image. */
  photo: string;
  decoder: DecoderKind;
  /** Beam width. */
  k: number;
  /** Length normalisation α. */
  alpha: number;
  temperature: number;
  /** Sampling among the top-k tokens (0 = all). */
  topk: number;
  seed: number;
  /** The decoding step in view (-1: the image step, before any word). */
  step: number;
  /** Selected beam node id (-1: none). */
  node: number;
  /** Selected LSTM unit (-1: none). */
  unit: number;
  /** Selected word (embedding map), '' for none. */
  word: string;
  /** Which vectors the embedding map shows: the decoder's W_e, or the text-only skip-gram vectors. */
  embedding: EmbeddingSpace;
  /** Forced caption prefix, for what-if: the words the reader clicked. */
  force: string[];
  /** Which gate heat-map is shown alone ('all' for six). */
  gate: GateName | 'all';
  sort: UnitSort;
  /** Classroom: the slide in view. */
  slide: number;
}

export const DEFAULT_STATE: AppState = {
  photo: 'dog',
  decoder: 'beam',
  k: DEFAULT_BEAM.beamWidth,
  alpha: DEFAULT_BEAM.alpha,
  temperature: 1,
  topk: 0,
  seed: 1,
  step: 0,
  node: -1,
  unit: -1,
  word: '',
  embedding: 'decoder',
  force: [],
  gate: 'all',
  sort: 'variance',
  slide: 0,
};

type Parser<T> = (raw: string) => T | undefined;

const int = (min: number, max: number): Parser<number> => (raw) => {
  if (!/^-?\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
};
const float = (min: number, max: number): Parser<number> => (raw) => {
  if (!/^-?\d*\.?\d+(e-?\d+)?$/i.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
};
const oneOf = <T extends string>(values: readonly T[]): Parser<T> => (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : undefined);
/** Words and photo ids: lower-case letters, digits, '_' and '-' only, so nothing odd reaches a view. */
const token = (maxLength: number): Parser<string> => (raw) => (raw.length <= maxLength && /^[a-z0-9_-]*$/.test(raw) ? raw : undefined);
const wordList: Parser<string[]> = (raw) => {
  if (raw === '') return [];
  const words = raw.split('.');
  return words.length <= 20 && words.every((w) => /^[a-z0-9]{1,30}$/.test(w)) ? words : undefined;
};

interface Property<K extends keyof AppState> {
  key: K;
  parse: Parser<AppState[K]>;
  format?: (v: AppState[K]) => string;
  label: string;
}

const prop = <K extends keyof AppState>(p: Property<K>) => p;

/** The properties mirrored to the URL, in the order they appear there. */
export const PROPERTIES = [
  prop({ key: 'photo', parse: token(40), label: 'photo' }),
  prop({ key: 'decoder', parse: oneOf(['greedy', 'sample', 'beam'] as const), label: 'decoder' }),
  prop({ key: 'k', parse: int(1, 10), label: 'beam width k' }),
  prop({ key: 'alpha', parse: float(0, 2), label: 'length normalisation α' }),
  prop({ key: 'temperature', parse: float(0.05, 5), label: 'temperature' }),
  prop({ key: 'topk', parse: int(0, 100), label: 'sampling top-k' }),
  prop({ key: 'seed', parse: int(0, 2 ** 31 - 1), label: 'seed' }),
  prop({ key: 'step', parse: int(-1, 40), label: 'step' }),
  prop({ key: 'node', parse: int(-1, 100000), label: 'beam node' }),
  prop({ key: 'unit', parse: int(-1, 4095), label: 'LSTM unit' }),
  prop({ key: 'word', parse: token(30), label: 'word' }),
  prop({ key: 'embedding', parse: oneOf(EMBEDDING_SPACES), label: 'embedding map' }),
  prop({ key: 'force', parse: wordList, format: (v: string[]) => v.join('.'), label: 'forced words' }),
  prop({ key: 'gate', parse: oneOf([...GATE_NAMES, 'all'] as const), label: 'gate' }),
  prop({ key: 'sort', parse: oneOf(['variance', 'activation', 'cluster'] as const), label: 'unit order' }),
  prop({ key: 'slide', parse: int(0, 99), label: 'slide' }),
] as const;

export interface ParsedState {
  state: AppState;
  /** One friendly line per value that was ignored. */
  notes: string[];
}

/** Parse a query string (`?photo=kite&k=5`). Unknown keys are ignored; bad values fall back with a note. */
export function parseState(search: string): ParsedState {
  const params = new URLSearchParams(search);
  const state: AppState = { ...DEFAULT_STATE, force: [] };
  const notes: string[] = [];
  for (const p of PROPERTIES) {
    const raw = params.get(p.key);
    if (raw === null) continue;
    const value = (p.parse as Parser<unknown>)(raw);
    if (value === undefined) {
      notes.push(`The link's ${p.label} ("${raw.slice(0, 40)}") is not valid here, so the default is used.`);
    } else (state as unknown as Record<string, unknown>)[p.key] = value;
  }
  return { state, notes };
}

/** Serialise only what differs from the defaults, so links stay short. */
export function serializeState(state: AppState): string {
  const params = new URLSearchParams();
  for (const p of PROPERTIES) {
    const v = state[p.key];
    const d = DEFAULT_STATE[p.key];
    const text = p.format ? (p.format as (x: unknown) => string)(v) : String(v);
    const defText = p.format ? (p.format as (x: unknown) => string)(d) : String(d);
    if (text !== defText) params.set(p.key, text);
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
