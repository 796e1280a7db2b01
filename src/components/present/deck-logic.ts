/**
 * Classroom mode's slides and keys, and saved slide orders (a deck is a list of state links).
 * Pure: unit-tested in test/unit/present-deck.test.ts.
 */
import { parseState, serializeState, DEFAULT_STATE, type AppState } from '../../state/state';

/** The built-in slides, in order. Each shows one figure. */
export const SLIDES = [
  { id: 'title', title: 'Show and Tell: a photo in, a sentence out' },
  { id: 'quiz', title: 'Predict the next word' },
  { id: 'stepper', title: 'One word at a time: p_t' },
  { id: 'beam', title: 'Beam search' },
  { id: 'gates', title: 'The LSTM’s gates' },
  { id: 'embeddings', title: 'Words as vectors' },
] as const;
export type SlideId = (typeof SLIDES)[number]['id'];

export const slideIndex = (id: SlideId): number => SLIDES.findIndex((s) => s.id === id);

export type DeckAction =
  | { kind: 'slide'; delta: number }
  | { kind: 'goto'; slide: SlideId; patch?: Partial<AppState> }
  | { kind: 'step'; delta: number };

/**
 * A key press → what the deck does. PageUp/PageDown (what presentation clickers send) move between
 * slides; ← / → step the decoding; B, S, G, E jump to beam search, sampling, gates, embeddings.
 */
export function keyAction(key: string, mods: { alt?: boolean; ctrl?: boolean; meta?: boolean } = {}): DeckAction | null {
  if (mods.alt || mods.ctrl || mods.meta) return null;
  switch (key) {
    case 'PageDown':
      return { kind: 'slide', delta: +1 };
    case 'PageUp':
      return { kind: 'slide', delta: -1 };
    case 'ArrowRight':
      return { kind: 'step', delta: +1 };
    case 'ArrowLeft':
      return { kind: 'step', delta: -1 };
    case 'b':
    case 'B':
      return { kind: 'goto', slide: 'beam', patch: { decoder: 'beam' } };
    case 's':
    case 'S':
      return { kind: 'goto', slide: 'stepper', patch: { decoder: 'sample' } };
    case 'g':
    case 'G':
      return { kind: 'goto', slide: 'gates' };
    case 'e':
    case 'E':
      return { kind: 'goto', slide: 'embeddings' };
    default:
      return null;
  }
}

export interface DeckEntry {
  /** The link as given (normalised). */
  href: string;
  state: AppState;
}

export interface ParsedDeck {
  entries: DeckEntry[];
  /** One line per link that was skipped, or per setting that fell back to its default. */
  errors: string[];
}

/**
 * A textarea of links, one per line → the deck. Only links to this site's classroom page count
 * (a deck never navigates elsewhere); blank lines and lines starting with # are ignored.
 */
export function parseDeck(text: string, pageHref: string): ParsedDeck {
  const page = new URL(pageHref);
  const entries: DeckEntry[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let url: URL;
    try {
      url = new URL(line, page);
    } catch {
      errors.push(`Line ${i + 1} is not a link.`);
      return;
    }
    if (url.origin !== page.origin || url.pathname.replace(/\/$/, '') !== page.pathname.replace(/\/$/, '')) {
      errors.push(`Line ${i + 1} links outside this classroom page, so it is skipped.`);
      return;
    }
    const { state, notes } = parseState(url.search);
    errors.push(...notes.map((n) => `Line ${i + 1}: ${n}`));
    entries.push({ href: `${page.pathname}${serializeState(state)}`, state });
  });
  return { entries, errors };
}

/** The built-in order as links, a starting point for a teacher's own deck. */
export function defaultDeck(pagePath: string, base: Partial<AppState> = {}): string {
  return SLIDES.map((_, i) => `${pagePath}${serializeState({ ...DEFAULT_STATE, ...base, slide: i, force: [] })}`).join('\n');
}

/** Where PageUp/PageDown lead in a deck of `length` entries (stays at the ends). */
export function nextIndex(current: number, delta: number, length: number): number {
  return Math.max(0, Math.min(length - 1, current + delta));
}

export const DECK_STORAGE_KEY = 'show-and-tell:deck';
