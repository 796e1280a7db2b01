/**
 * The base of every view (Seq2Seq-Vis's VComponent): `update(data)` → `wrangle` → `render`.
 * A view gets its data pushed in (a Trace, usually) and never calls the model. `events` lists the
 * bus events the view emits, so linked hover between views is explicit.
 */
import type { BusEvents } from '../../state/bus';

export abstract class VComponent<Input, Prepared = Input> {
  /** The bus events this view emits. */
  static readonly events: readonly (keyof BusEvents)[] = [];
  protected prepared: Prepared | null = null;

  constructor(protected readonly root: HTMLElement) {}

  update(input: Input): void {
    this.prepared = this.wrangle(input);
    this.render(this.prepared);
  }

  /** Turn the input into what the drawing needs (pure, testable). */
  protected abstract wrangle(input: Input): Prepared;
  protected abstract render(data: Prepared): void;
}
