/**
 * Client side of LiveModel.astro. Order matters for the first paint: this module imports only the
 * store and the precomputed-trace reader; the session (and with it tfjs) is imported dynamically,
 * so the article's first figure never waits for the 2 MB tfjs bundle.
 */
import { $notes, $result, $state, $status, syncWithUrl } from '../../state/store';
import { publishPrecomputed, vocabularyLoader } from './precomputed-loader';

/** Phones get the precomputed decoding and a button, not a 4 MB download they did not ask for. */
export const SMALL_SCREEN = '(max-width: 40rem)';

declare global {
  interface Window {
    /** Read by the e2e tests: when the first precomputed result reached the store (performance.now()). */
    __firstResultAt?: number;
    __liveModel?: { started: boolean };
  }
}

export function mountLiveModel(root: HTMLElement): void {
  const base = import.meta.env.BASE_URL;
  const messages = JSON.parse(root.dataset.messages ?? '{}') as Record<'precomputed' | 'loading' | 'ready' | 'error' | 'notes', string>;
  const status = root.querySelector<HTMLElement>('[data-role="status"]')!;
  const startButton = root.querySelector<HTMLButtonElement>('[data-role="start"]')!;
  const notes = root.querySelector<HTMLElement>('[data-role="notes"]')!;
  const debug: { started: boolean } = (window.__liveModel = { started: false });

  syncWithUrl();

  // Bad link values fell back to defaults: say which, once, where the reader sees it.
  const shownNotes = $notes.get();
  if (shownNotes.length) {
    notes.querySelector('[data-role="notes-heading"]')!.textContent = messages.notes;
    notes.querySelector('[data-role="notes-list"]')!.replaceChildren(...shownNotes.map((n) => Object.assign(document.createElement('li'), { textContent: n })));
    notes.hidden = false;
  }

  const unsubscribeFirst = $result.subscribe((r) => {
    if (r && window.__firstResultAt === undefined) {
      window.__firstResultAt = performance.now();
      queueMicrotask(() => unsubscribeFirst());
    }
  });

  const words = vocabularyLoader(base, root.dataset.model ?? '');
  const publish = () => publishPrecomputed(base, root.dataset.fingerprint ?? '', words);
  const precomputed = () => void publish();
  const firstPublish = publish();
  // Until the live model runs, a reader who comes back to the default photo gets its figures again.
  const stopWatching = $state.listen(precomputed);

  const start = async () => {
    if (debug.started) return;
    debug.started = true;
    stopWatching();
    startButton.hidden = true;
    status.textContent = messages.loading;
    const [{ Session }, { setSession }] = await Promise.all([import('../../lib/session'), import('../../lib/session-instance')]);
    const session = new Session(base);
    setSession(session);
    $status.subscribe((s) => {
      status.textContent = s.phase === 'ready' ? messages.ready : s.phase === 'error' ? `${messages.error} (${s.message})` : s.message;
      status.classList.toggle('error', s.phase === 'error');
    });
    await session.start();
  };

  const params = new URLSearchParams(location.search);
  const small = matchMedia(SMALL_SCREEN).matches && params.get('live') !== '1';
  if (!small) {
    // The precomputed figures first: parsing the tfjs bundle would hold the main thread while
    // they unpack, so the live model starts once they have painted (or failed to).
    void firstPublish.finally(() => requestAnimationFrame(() => setTimeout(() => void start(), 0)));
    return;
  }
  startButton.hidden = false;
  startButton.addEventListener('click', () => void start());
  // The reader's own image needs the live model: start it the moment they bring one.
  const ownImage = (e: Event) => {
    const t = e.target as Element | null;
    if (t instanceof HTMLInputElement && t.type === 'file') void start();
    if (t instanceof Element && t.closest('[data-testid="webcam-start"]')) void start();
  };
  document.addEventListener('change', ownImage, true);
  document.addEventListener('click', ownImage, true);
  document.addEventListener('drop', () => void start(), true);
  document.addEventListener('paste', () => void start(), true);
  // Another example photo has no precomputed decoding: offer the model right there.
  $state.listen((s) => {
    if (!debug.started && $result.get()?.photo !== s.photo) status.textContent = `${messages.precomputed}`;
  });
}
