/**
 * The live decoding session: owns the model, turns the shared state into traces, publishes them to
 * `$result`. Views subscribe to the stores and never touch the model (design.md §1).
 *
 * - Photo changes: decode + encode the image (cached per photo) — the expensive part.
 * - Decoder settings change (k, α, temperature, top-k, seed, forced words): rerun the three
 *   decoders on the cached feature — milliseconds.
 */
import { topClasses, encodeImage, type RgbImage } from '../model/encoder';
import { decodeFloat32, type ExampleFeatures } from '../model/example-features';
import { beamSearch, DEFAULT_BEAM, greedy, sample } from '../model/search';
import { $result, $state, $status, setState, type DecodeResult } from '../state/store';
import type { AppState } from '../state/state';
import { backendOrder, initBackend, requestedBackend } from './backend';
import { fetchOk, loadLiveModel, type LiveModel } from './captioner';
import { decodeToRgb } from './image-decode';
import { withBase } from './paths';

interface Encoded {
  feature: Float32Array;
  classes: { name: string; score: number }[];
}

/** Keys of the state that change the traces (everything else is view state). */
const DECODE_KEYS = ['k', 'alpha', 'temperature', 'topk', 'seed', 'force'] as const satisfies readonly (keyof AppState)[];
const decodeKey = (s: AppState) => JSON.stringify([s.photo, ...DECODE_KEYS.map((k) => s[k])]);

export class Session {
  private model: LiveModel | null = null;
  private encoded = new Map<string, Encoded>();
  private userImages = new Map<string, RgbImage>();
  private lastKey = '';
  /** The settings each decoder's current trace was made with. */
  private traceKeys = new Map<string, string>();
  /** The example photos' encoder outputs, precomputed by `npm run example-features` (optional). */
  private examples: ExampleFeatures | null = null;

  constructor(private readonly base: string) {}

  async start(): Promise<void> {
    try {
      $status.set({ phase: 'loading', message: 'Starting TensorFlow.js…' });
      const backend = await initBackend(backendOrder(requestedBackend(location.search)), withBase(this.base, 'wasm/'));
      this.examples = await fetchOk(withBase(this.base, 'models/example-features.json'))
        .then((r) => r.json() as Promise<ExampleFeatures>)
        .catch(() => null); // without it, examples are encoded live like uploads
      this.model = await loadLiveModel(this.base, (s) =>
        $status.set({ phase: 'loading', backend, message: s.stage === 'encoder' ? `Loading the image encoder… ${Math.round(s.fraction * 100)} %` : `Loading the decoder “${s.name}”…`, progress: s.stage === 'encoder' ? s.fraction : 1 }),
      );
      $status.set({ phase: 'ready', backend, message: `Model ready (${backend}).` });
      $state.subscribe(() => this.scheduleRefresh());
    } catch (e) {
      $status.set({ phase: 'error', message: `The model could not be loaded: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** Caption the reader's own image (upload or webcam frame). Pixels stay in this tab. */
  async useImage(kind: 'upload' | 'webcam', image: RgbImage): Promise<void> {
    this.userImages.set(kind, image);
    this.encoded.delete(kind);
    this.lastKey = '';
    setState({ photo: kind, step: 0, node: -1, force: [] });
    await this.refresh();
  }

  private async encode(photo: string): Promise<Encoded> {
    const cached = this.encoded.get(photo);
    if (cached) return cached;
    const model = this.model!;
    const pre = this.userImages.has(photo) ? undefined : this.examples?.photos[photo];
    if (pre) {
      const result = { feature: decodeFloat32(pre.feature), classes: pre.classes };
      this.encoded.set(photo, result);
      return result;
    }
    const image = this.userImages.get(photo) ?? (await decodeToRgb(await (await fetchOk(withBase(this.base, `examples/${photo}.jpg`))).blob()));
    const { feature, classScores } = encodeImage(model.encoder, image);
    const result = { feature, classes: topClasses(classScores, 5) };
    this.encoded.set(photo, result);
    return result;
  }

  private scheduled = false;
  /** Coalesce bursts of state changes (a slider being dragged) into one re-decode per frame. */
  private scheduleRefresh(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      void this.refresh();
    }, 0);
  }

  private async refresh(): Promise<void> {
    const model = this.model;
    if (!model) return;
    const s = $state.get();
    const key = decodeKey(s);
    if (key === this.lastKey) return;
    this.lastKey = key;
    try {
      const { feature, classes } = await this.encode(s.photo);
      if (decodeKey($state.get()) !== key) return; // superseded while encoding
      const prefix = s.force.filter((w) => model.vocab.has(w)).map((w) => model.vocab.id(w));
      const base = { maxLength: DEFAULT_BEAM.maxLength, minLength: DEFAULT_BEAM.minLength, prefix };
      // Each decoder reruns only when one of its own settings changed: a temperature slider
      // re-samples, it does not redo the beam search.
      const previous = $result.get();
      const same = previous?.photo === s.photo && previous.feature === feature;
      const reuse = <T>(name: keyof DecodeResult['traces'], settings: unknown[], run: () => T): T => {
        const k = JSON.stringify(settings);
        const cached = same ? this.traceKeys.get(name) === k : false;
        this.traceKeys.set(name, k);
        return cached ? (previous!.traces[name] as T) : run();
      };
      const result: DecodeResult = {
        photo: s.photo,
        feature,
        classes,
        words: model.vocab.words,
        traces: {
          greedy: reuse('greedy', [s.force], () => greedy(model.decoder, feature, base)),
          sample: reuse('sample', [s.force, s.temperature, s.topk, s.seed], () => sample(model.decoder, feature, { ...base, temperature: s.temperature, sampleTopK: s.topk, seed: s.seed })),
          beam: reuse('beam', [s.force, s.k, s.alpha], () => beamSearch(model.decoder, feature, { ...base, beamWidth: s.k, alpha: s.alpha, expansions: Math.max(s.k, 5) })),
        },
        precomputed: false,
      };
      $result.set(result);
    } catch (e) {
      this.lastKey = '';
      $status.set({ ...$status.get(), phase: 'error', message: `Could not caption this image: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
