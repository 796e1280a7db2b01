/**
 * Client side of CaptionFigure.astro: starts a backend, loads the model, captions the chosen photo.
 * Everything written to the page goes through textContent (file names and captions are data).
 * After each caption the figure dispatches a bubbling `captioned` event whose detail is the
 * CaptionResult (plus the photo), so other views — and the e2e tests — can read the numbers.
 */
import type { ExamplePhoto } from '../lib/credits';
import { backendOrder, initBackend, requestedBackend, type BackendName } from '../lib/backend';
import { captionImage, loadLiveModel, type CaptionResult, type LiveModel } from '../lib/captioner';
import { decodeToRgb } from '../lib/image-decode';
import { withBase } from '../lib/paths';

const BACKEND_LABELS: Record<BackendName, string> = {
  webgl: 'WebGL (GPU)',
  wasm: 'WebAssembly (CPU)',
  cpu: 'plain JavaScript (CPU, slow)',
};

type Source = { kind: 'example'; photo: ExamplePhoto } | { kind: 'upload'; file: File };
export type CaptionedDetail = CaptionResult & { source: string };

function part<T extends Element>(root: HTMLElement, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`caption figure: missing [data-testid="${id}"]`);
  return el;
}

/** Lets the browser paint a status line before a long synchronous tfjs call (rAF stalls in hidden tabs). */
function nextPaint(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}

async function fetchBlob(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.blob();
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function mountCaptionFigure(root: HTMLElement): void {
  const base = import.meta.env.BASE_URL;
  const photos = JSON.parse(root.dataset.photos ?? '[]') as ExamplePhoto[];
  const picker = part<HTMLSelectElement>(root, 'photo-picker');
  const upload = part<HTMLInputElement>(root, 'upload');
  const img = part<HTMLImageElement>(root, 'photo');
  const credit = part<HTMLElement>(root, 'photo-credit');
  const caption = part<HTMLElement>(root, 'caption');
  const classes = part<HTMLOListElement>(root, 'classes');
  const status = part<HTMLElement>(root, 'status');
  const backendLabel = part<HTMLElement>(root, 'backend');
  const decoderLabel = part<HTMLElement>(root, 'decoder');

  let model: LiveModel | null = null;
  let objectUrl: string | null = null;
  // Latest request wins: a reader flicking through photos should not queue up every one of them.
  let pending: Source | null = null;
  let running = false;

  const say = (text: string, isError = false) => {
    status.textContent = text;
    status.classList.toggle('error', isError);
  };

  const showPhoto = (source: Source) => {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
    if (source.kind === 'example') {
      img.src = withBase(base, `examples/${source.photo.file}`);
      img.alt = source.photo.shows;
      credit.replaceChildren(`${source.photo.file}: ${source.photo.licence}. `, Object.assign(document.createElement('a'), { href: '#credits', textContent: 'Credits' }));
    } else {
      objectUrl = URL.createObjectURL(source.file);
      img.src = objectUrl;
      img.alt = 'Your photo';
      credit.textContent = 'Your photo (stays on this device).';
    }
    caption.textContent = '';
    classes.replaceChildren();
  };

  const render = (r: CaptionResult) => {
    caption.textContent = r.text;
    classes.replaceChildren(
      ...r.classes.map(({ name, score }) => {
        const li = document.createElement('li');
        const bar = document.createElement('span');
        bar.className = 'bar';
        bar.style.width = `${Math.round(Math.max(0, Math.min(1, score)) * 100)}%`;
        li.append(Object.assign(document.createElement('span'), { className: 'name', textContent: name }), bar, ` ${score.toFixed(2)}`);
        return li;
      }),
    );
  };

  const captionSource = async (source: Source) => {
    if (!model) return;
    try {
      say('Decoding the photo…');
      const blob = source.kind === 'upload' ? source.file : await fetchBlob(withBase(base, `examples/${source.photo.file}`));
      const image = await decodeToRgb(blob);
      say(`Encoding ${image.width}×${image.height} pixels and searching for a caption…`);
      await nextPaint();
      const result = captionImage(model, image);
      if (pending) return; // the reader has picked another photo meanwhile: don't paint a stale caption
      render(result);
      const empty = result.text ? '' : ' The decoder chose “end of sentence” first: the caption is empty.';
      say(`Done: the encoder took ${Math.round(result.encodeMs)} ms, beam search ${Math.round(result.decodeMs)} ms.${empty}`);
      const detail: CaptionedDetail = { ...result, source: source.kind === 'example' ? source.photo.file : 'upload' };
      root.dispatchEvent(new CustomEvent('captioned', { bubbles: true, detail }));
    } catch (e) {
      say(`Could not caption this photo: ${message(e)}`, true);
    }
  };

  const request = async (source: Source) => {
    showPhoto(source);
    pending = source;
    if (running) return;
    running = true;
    while (pending) {
      const next: Source = pending;
      pending = null;
      await captionSource(next);
    }
    running = false;
  };

  const selected = (): Source => {
    const photo = photos.find((p) => p.file === picker.value) ?? photos[0];
    if (!photo) throw new Error('caption figure: no example photos');
    return { kind: 'example', photo };
  };

  picker.addEventListener('change', () => void request(selected()));
  upload.addEventListener('change', () => {
    const file = upload.files?.[0];
    if (file) void request({ kind: 'upload', file });
  });

  // ?photo=kite picks the first photo shown (handy for links from the text and for tests).
  const wanted = new URLSearchParams(location.search).get('photo');
  if (wanted && photos.some((p) => p.file === `${wanted}.jpg`)) picker.value = `${wanted}.jpg`;

  const start = async () => {
    try {
      say('Starting TensorFlow.js…');
      const backend = await initBackend(backendOrder(requestedBackend(location.search)), withBase(base, 'wasm/'));
      backendLabel.textContent = BACKEND_LABELS[backend];
      model = await loadLiveModel(base, (s) => {
        if (s.stage === 'encoder') say(`Loading the image encoder (CenterNet, 4 MB)… ${Math.round(s.fraction * 100)} %`);
        else say(`Loading the caption decoder "${s.name}"…`);
      });
      const note = typeof model.meta.note === 'string' ? ` (${model.meta.note})` : '';
      decoderLabel.textContent = `${model.decoderName}${note}`;
    } catch (e) {
      say(`The live model could not load, so the figure stays still; the article reads fine without it. (${message(e)}) Reloading may help, or try another browser.`, true);
      return;
    }
    await request(selected());
  };
  void start();
}
