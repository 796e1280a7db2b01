/**
 * Linked views talk through this bus. Each view declares the events it emits in a static `events`
 * map (Seq2Seq-Vis's VComponent), so who-affects-whom is explicit and greppable.
 */
export interface BusEvents {
  /** A token is hovered in any view (p_t bars, beam tree, caption): step and token id, or null. */
  hoverToken: { step: number; token: number } | null;
  /** A beam node is hovered. */
  hoverNode: { node: number } | null;
  /** An LSTM unit is hovered. */
  hoverUnit: { unit: number } | null;
  /** A word is hovered on the embedding map or elsewhere. */
  hoverWord: { word: string } | null;
}

type Handler<K extends keyof BusEvents> = (detail: BusEvents[K]) => void;

export class Bus {
  private handlers = new Map<keyof BusEvents, Set<Handler<never>>>();
  on<K extends keyof BusEvents>(name: K, fn: Handler<K>): () => void {
    const set = this.handlers.get(name) ?? new Set();
    set.add(fn as Handler<never>);
    this.handlers.set(name, set);
    return () => set.delete(fn as Handler<never>);
  }
  emit<K extends keyof BusEvents>(name: K, detail: BusEvents[K]): void {
    for (const fn of this.handlers.get(name) ?? []) (fn as Handler<K>)(detail);
  }
}

/** The page's one bus. */
export const bus = new Bus();
