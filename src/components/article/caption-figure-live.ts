/**
 * CaptionFigure bound to the shared store: its photo menu sets `$state.photo`, its file input hands
 * the reader's image to the page's Session, and it shows the beam caption and the encoder's classes
 * from `$result` (precomputed first, then live). After each live caption it dispatches a bubbling
 * `captioned` event (detail: source, text, width, height, feature, classes) for other views and the
 * e2e tests. Everything from the reader goes through textContent.
 */
import { BACKEND_LABELS, type BackendName } from '../../lib/backend-names';
import type { ExamplePhoto } from '../../lib/credits';
import { decodeUserImage } from '../../lib/image-decode';
import { whenSession } from '../../lib/session-instance';
import { withBase } from '../../lib/paths';
import { $ownImage, $result, $state, $status, setState, type DecodeResult } from '../../state/store';

function part<T extends Element>(root: HTMLElement, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`caption figure: missing [data-testid="${id}"]`);
  return el;
}

/** The beam caption's words, and the label of the source for the `captioned` event. */
export function captionOf(result: DecodeResult): string {
  return result.traces.beam.tokens.map((t) => result.words[t] ?? `#${t}`).join(' ');
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

  let objectUrl: string | null = null;
  /** Pixel size of what was encoded, per photo id (uploads: the decoded image; examples: the file). */
  const sizes = new Map<string, { width: number; height: number }>();
  let shown = '';

  const say = (text: string, isError = false) => {
    status.textContent = text;
    status.classList.toggle('error', isError);
  };

  const showPhoto = (photo: string) => {
    if (photo === shown) return;
    shown = photo;
    const example = photos.find((p) => p.file === `${photo}.jpg`);
    if (example) {
      // The reader's preview URL stays valid: it is shared ($ownImage) and they may come back to it.
      picker.value = example.file;
      img.src = withBase(base, `examples/${example.file}`);
      img.alt = example.shows;
      credit.replaceChildren(`${example.file}: ${example.licence}. `, Object.assign(document.createElement('a'), { href: '#credits', textContent: 'Credits' }));
    } else if (photo === 'upload' || photo === 'webcam') {
      const own = $ownImage.get();
      if (own?.kind === photo) img.src = own.previewUrl;
      credit.textContent = 'Your photo (stays on this device).';
      img.alt = 'Your photo';
    }
    // Until this photo's decoding arrives, the old caption would be wrong.
    if ($result.get()?.photo !== photo) {
      caption.textContent = '';
      classes.replaceChildren();
    }
  };

  const exampleSize = async (photo: string) => {
    if (sizes.has(photo)) return sizes.get(photo)!;
    const probe = new Image();
    probe.src = withBase(base, `examples/${photo}.jpg`);
    try {
      await probe.decode();
    } catch {
      /* size unknown: 0 × 0 */
    }
    const size = { width: probe.naturalWidth, height: probe.naturalHeight };
    sizes.set(photo, size);
    return size;
  };

  const render = async (result: DecodeResult) => {
    if (result.photo !== $state.get().photo) return;
    const text = captionOf(result);
    caption.textContent = text;
    classes.replaceChildren(
      ...result.classes.map(({ name, score }) => {
        const li = document.createElement('li');
        const bar = document.createElement('span');
        bar.className = 'bar';
        bar.style.width = `${Math.round(Math.max(0, Math.min(1, score)) * 100)}%`;
        li.append(Object.assign(document.createElement('span'), { className: 'name', textContent: name }), bar, ` ${score.toFixed(2)}`);
        return li;
      }),
    );
    if (result.precomputed) {
      if ($status.get().phase !== 'error') say('A precomputed caption of the example photo: the live model takes over once it has loaded.');
      return;
    }
    say(text ? 'Captioned on this device.' : 'The decoder chose “end of sentence” first: the caption is empty.');
    const own = result.photo === 'upload' || result.photo === 'webcam';
    const size = own ? (sizes.get(result.photo) ?? { width: 0, height: 0 }) : await exampleSize(result.photo);
    const detail = { source: own ? result.photo : `${result.photo}.jpg`, text, ...size, feature: result.feature, classes: result.classes };
    root.dispatchEvent(new CustomEvent('captioned', { bubbles: true, detail }));
  };

  picker.addEventListener('change', () => {
    const id = picker.value.replace(/\.jpg$/, '');
    setState({ photo: id, step: 0, node: -1, force: [] });
  });
  upload.addEventListener('change', async () => {
    const file = upload.files?.[0];
    if (!file) return;
    say('Decoding your photo…');
    try {
      const { image } = await decodeUserImage(file);
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(file);
      img.src = objectUrl;
      sizes.set('upload', { width: image.width, height: image.height });
      // Every photo figure on the page shows the reader's image (the image picker too).
      $ownImage.set({ kind: 'upload', previewUrl: objectUrl, alt: 'Your photo', credit: 'Your photo (stays on this device).' });
      shown = '';
      showPhoto('upload');
      say(`Encoding ${image.width}×${image.height} pixels and searching for a caption…`);
      const session = await whenSession();
      await session.useImage('upload', image);
    } catch (e) {
      say(`Could not caption this photo: ${e instanceof Error ? e.message : String(e)}`, true);
    }
  });

  $state.subscribe((s) => showPhoto(s.photo));
  $ownImage.listen((own) => {
    if (own && own.kind === $state.get().photo) {
      shown = '';
      showPhoto(own.kind);
    }
  });
  $result.subscribe((r) => {
    if (r) void render(r);
  });
  $status.subscribe((s) => {
    if (s.backend) backendLabel.textContent = BACKEND_LABELS[s.backend as BackendName] ?? s.backend;
    if (s.phase === 'ready') decoderLabel.textContent = root.dataset.model ?? 'loaded';
    if (s.phase === 'error') {
      say(`The live model could not load, so this figure shows only the precomputed example; the article reads fine without it. (${s.message}) Reloading may help, or try another browser.`, true);
    } else if (s.phase === 'loading' && !$result.get()) say(s.message);
  });
}
