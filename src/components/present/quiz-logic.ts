/**
 * "Predict the next word" (classroom mode): decoding pauses before each word, the class guesses,
 * and the reveal shows p_t with the guess marked. Pure: unit-tested in test/unit/present-quiz.test.ts.
 */
import { logSoftmax, topIndices } from '../../model/search';
import type { TraceStep } from '../../model/trace';
import { END, END_ID, tokenize } from '../../model/vocab';

export interface GuessScore {
  /** The guess as typed, normalised (lower case, first word). */
  guess: string;
  /** Its token id, or -1 when the model does not know the word. */
  id: number;
  /** p_t(guess) at temperature 1 (0 for an unknown or masked word). */
  p: number;
  /** 1 = the model's favourite; 0 when unknown or masked. */
  rank: number;
  /** The word the decoder actually chose at this step. */
  chosen: string;
  /** The guess is the chosen word. */
  correct: boolean;
  /** Points for the class: 3 for the chosen word, 2 for the model's top 3, 1 for its top 10. */
  points: number;
}

/** The class's guess → one vocabulary word ("A dog!" → "a"; "end", "." and "<end>" mean the caption stops). */
export function normaliseGuess(raw: string): string {
  const trimmed = raw.trim().toLowerCase();
  if (trimmed === END || trimmed === 'end' || trimmed === '.' || trimmed === '<end>') return END;
  return tokenize(trimmed)[0] ?? '';
}

/** Rank of token `id` in `logits` (1 = largest); ties count in the guess's favour. 0 for masked tokens. */
export function rankOf(logits: ArrayLike<number>, id: number): number {
  const v = logits[id];
  if (v === undefined || v === -Infinity) return 0;
  let above = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > v) above++;
  return above + 1;
}

export function scoreGuess(step: Pick<TraceStep, 'logits' | 'chosen'>, words: readonly string[], raw: string): GuessScore {
  const guess = normaliseGuess(raw);
  const id = guess === END ? END_ID : words.indexOf(guess);
  const chosen = words[step.chosen] ?? `#${step.chosen}`;
  const rank = id >= 0 ? rankOf(step.logits, id) : 0;
  const p = rank > 0 ? Math.exp(logSoftmax(step.logits)[id]!) : 0;
  const correct = id >= 0 && id === step.chosen;
  const points = correct ? 3 : rank > 0 && rank <= 3 ? 2 : rank > 0 && rank <= 10 ? 1 : 0;
  return { guess, id, p, rank, chosen, correct, points };
}

/**
 * Multiple choice for the class: the chosen word, the model's next favourites and one unlikely
 * word (so that not every choice is plausible), in an order that does not give the answer away
 * (alphabetical).
 */
export function choicesFor(step: Pick<TraceStep, 'logits' | 'chosen'>, words: readonly string[], n = 4): string[] {
  const top = topIndices(step.logits, n + 2).filter((id) => id !== step.chosen);
  const ids = [step.chosen, ...top.slice(0, n - 2)];
  // An unlikely but real word: the first known word ranked past 100.
  const order = topIndices(step.logits, 200);
  const unlikely = order.slice(100).find((id) => !ids.includes(id));
  if (unlikely !== undefined) ids.push(unlikely);
  return [...new Set(ids.map((id) => words[id] ?? `#${id}`))].sort((a, b) => a.localeCompare(b));
}

export interface RevealBar {
  word: string;
  p: number;
  rank: number;
  chosen: boolean;
  guessed: boolean;
}

/** The reveal's bars: the model's top `n` at temperature 1, plus the guess at the bottom when it ranked lower. */
export function revealBars(step: Pick<TraceStep, 'logits' | 'chosen'>, words: readonly string[], score: GuessScore | null, n = 8): RevealBar[] {
  const logp = logSoftmax(step.logits);
  const ids = topIndices(step.logits, n);
  if (!ids.includes(step.chosen)) ids.push(step.chosen);
  if (score && score.id >= 0 && score.rank > 0 && !ids.includes(score.id)) ids.push(score.id);
  return ids.map((id) => ({ word: words[id] ?? `#${id}`, p: Math.exp(logp[id]!), rank: rankOf(step.logits, id), chosen: id === step.chosen, guessed: !!score && score.id === id }));
}

/** What the class hears and reads after a reveal. */
export function describeScore(s: GuessScore): string {
  if (!s.guess) return `No guess. The model wrote “${s.chosen}”.`;
  if (s.id < 0) return `“${s.guess}” is not in the model’s vocabulary. The model wrote “${s.chosen}”.`;
  if (s.rank === 0) return `The model never writes “${s.guess}” here. It wrote “${s.chosen}”.`;
  const pct = s.p >= 0.001 ? `${(s.p * 100).toFixed(1)} %` : s.p.toExponential(1);
  const head = s.correct ? `Yes! The model also wrote “${s.chosen}”.` : `The model wrote “${s.chosen}”.`;
  return `${head} Your guess “${s.guess}” had probability ${pct}, rank ${s.rank}. ${s.points} point${s.points === 1 ? '' : 's'}.`;
}
