/**
 * Tokenisation and the vocabulary (design.md §5): lowercase, every character outside [a-z0-9 ]
 * becomes a space, split on whitespace. The same rule feeds training, decoding and the metrics.
 */
export const START = '<start>';
export const END = '<end>';
export const UNK = '<unk>';
export const SPECIAL_TOKENS = [START, END, UNK] as const;
export const START_ID = 0;
export const END_ID = 1;
export const UNK_ID = 2;

export function tokenize(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9 ]/g, ' ').split(/\s+/).filter(Boolean);
}

export interface VocabularyJson {
  words: string[];
  counts?: number[];
  minCount?: number;
}

export class Vocabulary {
  private readonly index: Map<string, number>;

  /** `words[0..2]` are always `<start>`, `<end>`, `<unk>`. */
  constructor(readonly words: readonly string[], readonly counts: readonly number[] = [], readonly minCount = 1) {
    SPECIAL_TOKENS.forEach((t, i) => {
      if (words[i] !== t) throw new Error(`vocabulary: word ${i} must be ${t}, got ${words[i]}`);
    });
    this.index = new Map(words.map((w, i) => [w, i]));
    if (this.index.size !== words.length) throw new Error('vocabulary: duplicate words');
  }

  get size(): number {
    return this.words.length;
  }

  /** Keep words seen at least `minCount` times; most frequent first, ties alphabetical (deterministic). */
  static build(captions: Iterable<string[]>, minCount: number): Vocabulary {
    const counts = new Map<string, number>();
    for (const tokens of captions) for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    const kept = [...counts].filter(([, n]) => n >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return new Vocabulary([...SPECIAL_TOKENS, ...kept.map(([w]) => w)], [0, 0, 0, ...kept.map(([, n]) => n)], minCount);
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  id(word: string): number {
    return this.index.get(word) ?? UNK_ID;
  }

  word(id: number): string {
    const w = this.words[id];
    if (w === undefined) throw new Error(`vocabulary: no word with id ${id}`);
    return w;
  }

  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.id(t));
  }

  /** Ids → words, stopping at `<end>` and dropping `<start>`. */
  decode(ids: readonly number[]): string[] {
    const out: string[] = [];
    for (const id of ids) {
      if (id === END_ID) break;
      if (id !== START_ID) out.push(this.word(id));
    }
    return out;
  }

  toJSON(): VocabularyJson {
    return { words: [...this.words], counts: [...this.counts], minCount: this.minCount };
  }

  static fromJSON(json: VocabularyJson): Vocabulary {
    if (!json || !Array.isArray(json.words)) throw new Error('vocabulary: JSON has no "words" array');
    return new Vocabulary(json.words, json.counts ?? [], json.minCount ?? 1);
  }
}
