/**
 * Client side of ImagePicker.astro: binds the gallery, the reader's own file (picker, drop, paste)
 * and the webcam to the shared state and the live session, and draws "what the CNN sees".
 *
 * - An example photo is shared state: choosing one sets `$state.photo` (so it is in the URL), and
 *   the session encodes it. The reader's own image is not: its pixels go to `session.useImage`,
 *   and a link can never carry them (a link naming `upload` falls back to the default photo).
 * - Bad input never reaches the session: `decodeUserImage` refuses it with a sentence, shown in the
 *   status line, and the previous image and caption stay as they were.
 * - Everything from the reader (file names) is written with textContent.
 */
import { aboutFile, ImageInputError } from '../lib/image-checks';
import { decodeUserImage } from '../lib/image-decode';
import { whenSession } from '../lib/session-instance';
import { cameraErrorMessage, Webcam } from '../lib/webcam';
import { withBase } from '../lib/paths';
import type { RgbImage } from '../model/encoder';
import { DEFAULT_STATE } from '../state/state';
import { $ownImage, $result, $state, $status, setState, type DecodeResult, type OwnImagePreview } from '../state/store';
import { VComponent } from './views/vcomponent';

// ---------------------------------------------------------------------------------------------
// Data (pure: unit-tested in test/unit/image-picker.test.ts)

export interface PickerPhoto {
  id: string;
  file: string;
  shows: string;
  credit: string;
  /** Flickr8k test images: the five human captions. */
  references?: string[];
}
export interface PickerData {
  examples: PickerPhoto[];
  flickr8k: PickerPhoto[];
}

/** The photo ids that are the reader's own pixels rather than a file on the site. */
export type OwnKind = 'upload' | 'webcam';
export function isOwnImage(photo: string): photo is OwnKind {
  return photo === 'upload' || photo === 'webcam';
}

export interface ClassBar {
  name: string;
  score: number;
  /** Bar length, 0–100 (scores are sigmoid outputs, 0–1; anything outside is clamped). */
  percent: number;
  /** The number as written next to the bar. */
  label: string;
}

/** The encoder's top classes → bars, best first. */
export function classBars(classes: readonly { name: string; score: number }[], max = 5): ClassBar[] {
  return [...classes]
    .filter((c) => Number.isFinite(c.score))
    .sort((a, b) => b.score - a.score)
    .slice(0, max)
    .map(({ name, score }) => ({ name, score, percent: Math.round(Math.max(0, Math.min(1, score)) * 1000) / 10, label: score.toFixed(2) }));
}

/** The first file that may be an image, from a drop or a paste (the type may be empty for HEIC on some systems). */
export function firstImageFile<T extends { type: string; name: string }>(files: ArrayLike<T>): T | null {
  const list = Array.from(files);
  return list.find((f) => f.type.startsWith('image/')) ?? list.find((f) => f.type === '' || /\.(jpe?g|png|gif|webp|bmp|heic|heif|avif|tiff?)$/i.test(f.name)) ?? list[0] ?? null;
}

/**
 * What to do with the photo named in the state: show an example, show the reader's own image, or —
 * when a link names pixels that are not in this tab, or a photo we don't have — fall back.
 */
export type PhotoResolution = { kind: 'example'; photo: PickerPhoto } | { kind: 'own'; own: OwnKind } | { kind: 'fallback'; message: string };
export function resolvePhoto(photo: string, examples: readonly PickerPhoto[], ownHeld: OwnKind | null): PhotoResolution {
  if (isOwnImage(photo)) {
    if (ownHeld === photo) return { kind: 'own', own: photo };
    return { kind: 'fallback', message: 'A link cannot carry your own photo (it never leaves your browser), so an example is shown instead. Upload it again to caption it.' };
  }
  const found = examples.find((p) => p.id === photo);
  if (found) return { kind: 'example', photo: found };
  return { kind: 'fallback', message: `There is no example photo called “${photo.slice(0, 40)}”, so the first example is shown instead.` };
}

// ---------------------------------------------------------------------------------------------
// "What the CNN sees"

export class CnnSeesView extends VComponent<DecodeResult | null, ClassBar[]> {
  static override readonly events = [] as const;

  protected wrangle(result: DecodeResult | null): ClassBar[] {
    return result ? classBars(result.classes) : [];
  }

  protected render(bars: ClassBar[]): void {
    const list = this.root.querySelector<HTMLOListElement>('.cnn-classes')!;
    const empty = this.root.querySelector<HTMLElement>('[data-testid="cnn-classes-empty"]');
    list.replaceChildren(
      ...bars.map((bar) => {
        const li = document.createElement('li');
        const name = Object.assign(document.createElement('span'), { className: 'name', textContent: bar.name });
        const track = Object.assign(document.createElement('span'), { className: 'track' });
        track.setAttribute('aria-hidden', 'true'); // the number beside it says the same
        const fill = Object.assign(document.createElement('span'), { className: 'fill' });
        fill.style.width = `${bar.percent}%`;
        track.append(fill);
        const value = Object.assign(document.createElement('span'), { className: 'value', textContent: bar.label });
        // The space keeps "dog 0.43" apart for screen readers and copy-paste; grid layout ignores it.
        li.append(name, ' ', track, value);
        return li;
      }),
    );
    if (empty) empty.hidden = bars.length > 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The island

type OwnImage = OwnImagePreview;

/** (`numTensors` comes from the session's own hook: this island stays free of tfjs, so it loads fast.) */
interface ShowAndTellDebug {
  captions(): number;
  resultPhoto(): string | null;
}

/**
 * A read-only hook for the e2e tests (tensor leaks, caption counts). Merged into any hook other
 * islands have installed, and frozen so page code cannot be steered through it.
 */
function installDebugHook(captions: () => number): void {
  const w = window as unknown as { __showAndTell?: Record<string, unknown> };
  const hook: ShowAndTellDebug = {
    captions,
    resultPhoto: () => $result.get()?.photo ?? null,
  };
  w.__showAndTell = Object.freeze({ ...(w.__showAndTell ?? {}), ...hook });
}

function part<T extends Element>(root: HTMLElement, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`image picker: missing [data-testid="${id}"]`);
  return el;
}

/** Keyboard arrows through a radio group would otherwise start an encode per photo passed. */
const CHOOSE_DELAY_MS = 150;

export function mountImagePicker(root: HTMLElement): void {
  const base = import.meta.env.BASE_URL;
  const data = JSON.parse(root.dataset.picker ?? '{"examples":[],"flickr8k":[]}') as PickerData;
  const radios = [...root.querySelectorAll<HTMLInputElement>('input[name="picker-photo"]')];
  const tabs = [...root.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const fileInput = part<HTMLInputElement>(root, 'image-file');
  const status = part<HTMLElement>(root, 'image-status');
  const picked = part<HTMLImageElement>(root, 'picked-photo');
  const credit = part<HTMLElement>(root, 'picked-credit');
  const references = part<HTMLDetailsElement>(root, 'references');
  const cnnRoot = part<HTMLElement>(root, 'cnn-sees');
  const startButton = part<HTMLButtonElement>(root, 'webcam-start');
  const captureButton = part<HTMLButtonElement>(root, 'webcam-capture');
  const stopButton = part<HTMLButtonElement>(root, 'webcam-stop');
  const video = part<HTMLVideoElement>(root, 'webcam-video');

  /** The reader's image as this page holds it (shared with the article's caption figure). */
  let own: OwnImage | null = $ownImage.get();
  /** Set while the reader's image is with the session: the status line finishes when its result arrives. */
  let awaiting: { kind: OwnKind; done: string } | null = null;

  const say = (text: string, isError = false) => {
    status.textContent = text;
    status.classList.toggle('error', isError);
  };

  // --- the photo on show, and the gallery's checked radio, follow the state ---------------------

  const showReferences = (refs: string[] | undefined) => {
    references.hidden = !refs?.length;
    references.querySelector('ol')!.replaceChildren(...(refs ?? []).map((r) => Object.assign(document.createElement('li'), { textContent: r })));
  };

  const showExample = (photo: PickerPhoto) => {
    picked.src = withBase(base, `examples/${photo.file}`);
    picked.alt = photo.shows;
    credit.textContent = photo.credit;
    showReferences(undefined);
    for (const r of radios) r.checked = r.dataset.kind === 'example' && r.value === photo.id;
  };

  const showOwn = (image: OwnImage) => {
    picked.src = image.previewUrl;
    picked.alt = image.alt;
    credit.textContent = image.credit;
    showReferences(image.references);
    for (const r of radios) r.checked = r.dataset.kind === 'flickr8k' && r.value === image.flickr8kId;
  };

  // Another figure on the page may bring the reader's image (the article's caption figure).
  $ownImage.listen((o) => {
    own = o;
    if (o && $state.get().photo === o.kind) showOwn(o);
  });
  $state.subscribe((s) => {
    const r = resolvePhoto(s.photo, data.examples, own?.kind ?? null);
    if (r.kind === 'example') showExample(r.photo);
    else if (r.kind === 'own' && own) showOwn(own);
    else if (r.kind === 'fallback') {
      say(r.message);
      setState({ photo: data.examples.some((p) => p.id === DEFAULT_STATE.photo) ? DEFAULT_STATE.photo : (data.examples[0]?.id ?? DEFAULT_STATE.photo) });
    }
  });

  // --- "what the CNN sees" -------------------------------------------------------------------------

  const cnnView = new CnnSeesView(cnnRoot);
  let captions = 0;
  $result.subscribe((result) => {
    cnnView.update(result);
    if (!result) return;
    if (!result.precomputed) captions++;
    if (awaiting && result.photo === awaiting.kind) {
      say(awaiting.done);
      awaiting = null;
    }
  });
  const markStale = () => cnnRoot.setAttribute('aria-busy', String(($result.get()?.photo ?? null) !== $state.get().photo));
  $state.subscribe(markStale);
  $result.subscribe(markStale);
  $status.subscribe((s) => {
    if (awaiting && s.phase === 'error') {
      say(`Your image could not be captioned: ${s.message}`, true);
      awaiting = null;
    }
  });
  installDebugHook(() => captions);

  // --- handing the reader's pixels to the session ----------------------------------------------

  const useOwnImage = async (image: RgbImage, next: OwnImage, notes: string[]) => {
    if (own && own.previewUrl !== next.previewUrl) URL.revokeObjectURL(own.previewUrl);
    own = next;
    $ownImage.set(next);
    const done = [`Captioned ${next.kind === 'webcam' ? 'your camera frame' : 'the image'} (${image.width} × ${image.height} pixels).`, ...notes].join(' ');
    awaiting = { kind: next.kind, done };
    say([`Captioning ${next.kind === 'webcam' ? 'your camera frame' : 'the image'}…`, ...notes].join(' '));
    const session = await whenSession();
    // The state may already name this kind (a second upload): show the new preview either way.
    showOwn(next);
    await session.useImage(next.kind, image);
  };

  let fileGeneration = 0;
  const useFile = async (file: File) => {
    const generation = ++fileGeneration;
    say(aboutFile(file.name, 'reading…'));
    try {
      const { image, notes } = await decodeUserImage(file);
      if (generation !== fileGeneration) return; // the reader picked another file meanwhile
      const name = file.name.slice(0, 80);
      await useOwnImage(image, { kind: 'upload', previewUrl: URL.createObjectURL(file), alt: `Your image${name ? ` (${name})` : ''}`, credit: 'Your image: it stays on this device.' }, notes);
    } catch (e) {
      if (generation !== fileGeneration) return;
      const message = e instanceof ImageInputError ? e.message : `This file could not be read (${e instanceof Error ? e.message : String(e)}).`;
      say(`${aboutFile(file.name, message)} The previous image is still in use.`, true);
    }
  };

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void useFile(file);
    fileInput.value = ''; // choosing the same file again must fire change again
  });

  // Drop anywhere on the picker; paste anywhere on the page (unless the reader is typing somewhere).
  root.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('Files') && !e.dataTransfer?.types.includes('text/uri-list')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    root.classList.add('dragging');
  });
  root.addEventListener('dragleave', (e) => {
    if (!root.contains(e.relatedTarget as Node | null)) root.classList.remove('dragging');
  });
  root.addEventListener('drop', (e) => {
    e.preventDefault();
    root.classList.remove('dragging');
    const file = firstImageFile(e.dataTransfer?.files ?? []);
    if (file) void useFile(file);
    else say('Only image files can be dropped here. An image dragged from another web page is just a link, and this page never fetches from other sites: save it first, then drop the file.', true);
  });
  document.addEventListener('paste', (e) => {
    const target = e.target as HTMLElement | null;
    const typing = !!target?.closest('input, textarea, [contenteditable]:not([contenteditable="false"])');
    const file = firstImageFile(e.clipboardData?.files ?? []);
    if (file && !typing) {
      e.preventDefault();
      void useFile(file);
    } else if (!file && !typing && root.contains(document.activeElement)) {
      say('The clipboard holds no image. Copy a picture (not its address) and paste again.', true);
    }
  });

  // --- gallery ----------------------------------------------------------------------------------

  let chooseTimer: ReturnType<typeof setTimeout> | undefined;
  const chooseFlickr8k = async (photo: PickerPhoto) => {
    const generation = ++fileGeneration;
    say(`Loading ${photo.shows}…`);
    try {
      const res = await fetch(withBase(base, `flickr8k-test/${photo.file}`));
      if (!res.ok) throw new ImageInputError(`The Flickr8k image could not be loaded (HTTP ${res.status}).`);
      const blob = await res.blob();
      const { image, notes } = await decodeUserImage(blob);
      if (generation !== fileGeneration) return;
      await useOwnImage(image, { kind: 'upload', previewUrl: URL.createObjectURL(blob), alt: photo.shows, credit: photo.credit, references: photo.references, flickr8kId: photo.id }, notes);
    } catch (e) {
      if (generation !== fileGeneration) return;
      say(`${e instanceof Error ? e.message : String(e)} The previous image is still in use.`, true);
    }
  };
  for (const radio of radios) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      clearTimeout(chooseTimer);
      chooseTimer = setTimeout(() => {
        if (radio.dataset.kind === 'flickr8k') {
          const photo = data.flickr8k.find((p) => p.id === radio.value);
          if (photo) void chooseFlickr8k(photo);
          return;
        }
        ++fileGeneration; // an example chosen now wins over a file still being read
        say('');
        awaiting = null;
        setState({ photo: radio.value, step: 0, node: -1, force: [] });
      }, CHOOSE_DELAY_MS);
    });
  }

  // --- tabs (ARIA tabs pattern, automatic activation) -------------------------------------------

  const webcam = new Webcam(video);
  const selectTab = (tab: HTMLButtonElement, focus: boolean) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      const panel = root.querySelector<HTMLElement>(`#${t.getAttribute('aria-controls')}`);
      if (panel) panel.hidden = !on;
    }
    if (focus) tab.focus();
    // Leaving the webcam tab turns the camera off.
    if (tab.dataset.testid !== 'tab-webcam') webcam.stop();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => selectTab(tab, false));
    tab.addEventListener('keydown', (e) => {
      const to = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : null;
      if (to === null) return;
      e.preventDefault();
      selectTab(tabs[(to + tabs.length) % tabs.length]!, true);
    });
  });

  // --- webcam -----------------------------------------------------------------------------------

  webcam.onChange = (live) => {
    video.hidden = !live;
    startButton.disabled = live;
    captureButton.disabled = !live;
    stopButton.disabled = !live;
  };
  startButton.addEventListener('click', async () => {
    say('Asking for the camera… (your browser may ask you to allow it)');
    try {
      await webcam.start();
      say('The camera is on. Press “Take the photo” when ready; the camera stops as soon as the frame is taken.');
      captureButton.focus();
    } catch (e) {
      say(cameraErrorMessage(e), true);
    }
  });
  stopButton.addEventListener('click', () => {
    webcam.stop();
    say('The camera is off.');
    startButton.focus();
  });
  captureButton.addEventListener('click', async () => {
    try {
      const { image, canvas } = webcam.capture();
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
      const previewUrl = blob ? URL.createObjectURL(blob) : canvas.toDataURL('image/jpeg', 0.9);
      await useOwnImage(image, { kind: 'webcam', previewUrl, alt: 'Your camera frame', credit: 'Your camera frame: it stays on this device.' }, []);
      startButton.focus();
    } catch (e) {
      webcam.stop();
      say(`The frame could not be taken (${e instanceof Error ? e.message : String(e)}).`, true);
    }
  });
  // The camera never runs in a hidden tab or after the reader has left the page.
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) webcam.stop();
  });
  window.addEventListener('pagehide', () => webcam.stop());
}
