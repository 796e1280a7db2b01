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
import * as tf from '@tensorflow/tfjs-core';
import { ModelLoadError } from '../model/weights';
import { BACKEND_LABELS, backendOrder, initBackend, onWebglContextLost, requestedBackend, switchBackend, type BackendName } from './backend';
import { fetchOk, loadLiveModel, progressText, reloadInit, type LiveModel, type LoadStage } from './captioner';
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

  private backend: BackendName | null = null;
  private starting: Promise<void> | null = null;
  private subscribed = false;
  private stopWatchingGpu: () => void = () => {};

  /** Starts the backend and loads the model; safe to call again (Retry) after a failure. */
  start(options: { reload?: boolean } = {}): Promise<void> {
    this.starting ??= this.load(options).finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /**
   * The Retry button: after a failed load, fetch every model file again past the caches (a
   * truncated or corrupt copy must not come back); after a failed caption, decode again.
   */
  retry(): Promise<void> {
    if (!this.model) return this.start({ reload: true });
    this.lastKey = '';
    $status.set({ phase: 'ready', backend: this.backend ?? undefined, message: this.readyMessage() });
    return this.refresh();
  }

  private readyMessage(): string {
    const where = this.backend ? BACKEND_LABELS[this.backend] : 'an unknown backend';
    return `Model ready: decoder “${this.model?.decoderName ?? '?'}” running on ${where}, in this tab.`;
  }

  private async load({ reload = false }: { reload?: boolean }): Promise<void> {
    const wasmDir = withBase(this.base, 'wasm/');
    try {
      $status.set({ phase: 'loading', message: 'Starting TensorFlow.js…', progress: 0 });
      this.backend ??= await initBackend(backendOrder(requestedBackend(location.search)), wasmDir);
      const backend = this.backend;
      const init = reloadInit(reload);
      this.examples ??= await fetchOk(withBase(this.base, 'models/example-features.json'), init)
        .then((r) => r.json() as Promise<ExampleFeatures>)
        .catch(() => null); // without it, examples are encoded live like uploads
      this.model = await loadLiveModel(this.base, (s) => $status.set(loadingStatus(s, backend)), { reload });
      this.watchGpu();
      installDebugHook(this);
      $status.set({ phase: 'ready', backend, message: this.readyMessage() });
      if (!this.subscribed) {
        this.subscribed = true;
        $state.subscribe(() => this.scheduleRefresh());
      } else {
        this.lastKey = '';
        this.scheduleRefresh();
      }
    } catch (e) {
      const file = e instanceof ModelLoadError ? e.file : undefined;
      const text = e instanceof Error ? e.message : String(e);
      $status.set({
        phase: 'error',
        backend: this.backend ?? undefined,
        file,
        retry: true,
        message: `The model could not be loaded, so the live figures stay still (the text reads fine without them). ${text}`,
      });
    }
  }

  /** WebGL can lose its context at any time; move to WebAssembly (or plain JS), keeping the reader's place. */
  private watchGpu(): void {
    this.stopWatchingGpu();
    this.stopWatchingGpu = onWebglContextLost(() => void this.recoverFromLostGpu());
  }

  private async recoverFromLostGpu(): Promise<void> {
    const from = this.backend;
    if (!from) return;
    const old = this.model;
    this.model = null; // refresh() waits for the new one; $state and $result are left as they are
    try {
      old?.dispose();
    } catch {
      // Its textures went with the context.
    }
    $status.set({ phase: 'loading', backend: from, message: 'The GPU stopped responding (WebGL context lost); moving the model to the CPU…' });
    try {
      this.backend = await switchBackend(from, withBase(this.base, 'wasm/'));
    } catch (e) {
      $status.set({ phase: 'error', retry: true, message: `No other TensorFlow.js backend could start: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    await this.start();
  }

  /** For the page's status line and the tests: which backend runs the model now. */
  get backendName(): BackendName | null {
    return this.backend;
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
      $status.set({ phase: 'error', backend: this.backend ?? undefined, retry: true, message: `Could not caption this image: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  dispose(): void {
    this.stopWatchingGpu();
    this.model?.dispose();
    this.model = null;
  }
}

/** The status line while the model downloads: which file, how many bytes, what share. */
export function loadingStatus(s: LoadStage, backend: BackendName): { phase: 'loading'; backend: BackendName; message: string; progress?: number; loaded?: number; total?: number; file?: string } {
  const what = s.stage === 'encoder' ? 'the image encoder' : `the caption decoder “${s.name}”`;
  const p = s.progress;
  if (!p) return { phase: 'loading', backend, message: `Loading ${what}…`, progress: s.stage === 'encoder' ? s.fraction : undefined };
  const progress = p.total ? Math.min(1, p.loaded / p.total) : undefined;
  return { phase: 'loading', backend, message: `Downloading ${what} (${p.file}): ${progressText(p.loaded, p.total)}`, progress, loaded: p.loaded, total: p.total, file: p.file };
}


/**
 * Read-only numbers for the e2e tests (backend in use, live tensors), merged into the hook the
 * image picker installs (`window.__showAndTell`) and frozen so page code cannot steer through it.
 */
function installDebugHook(session: Session): void {
  const w = window as unknown as { __showAndTell?: Record<string, unknown> };
  const hook = {
    backend: () => session.backendName,
    numTensors: () => tf.memory().numTensors,
    status: () => ({ ...$status.get() }),
  };
  w.__showAndTell = Object.freeze({ ...(w.__showAndTell ?? {}), ...hook });
}
