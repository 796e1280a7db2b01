/**
 * Binds classroom mode: shows the slide `$state.slide` (so a link opens on its slide), moves with
 * PageUp/PageDown (clickers) and the bar's buttons, steps the decoding with ← / →, and jumps with
 * B / S / G / E. A saved slide order (a list of state links) replaces the built-in sequence.
 */
import { $result, $state, setState } from '../../state/store';
import { DECK_STORAGE_KEY, defaultDeck, keyAction, nextIndex, parseDeck, SLIDES, slideIndex, type DeckEntry } from './deck-logic';

/** Widgets that own these keys themselves (typing, sliders, the beam tree's and maps' arrow keys). */
function ownsKeys(el: Element | null): boolean {
  if (!el || el === document.body || el === document.documentElement) return false;
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable) return true;
  // Focus on a plain button or link, or a slide itself, leaves the deck in charge.
  if (el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement || el.matches('[data-slide], summary')) return false;
  return true;
}

declare global {
  interface Window {
    __deck?: { entries: () => DeckEntry[] | null; index: () => number };
  }
}

export function mountDeck(root: HTMLElement): void {
  const slides = Array.from(document.querySelectorAll<HTMLElement>('[data-slide]'));
  const position = root.querySelector<HTMLElement>('[data-testid="slide-position"]')!;
  const textarea = root.querySelector<HTMLTextAreaElement>('[data-testid="deck-links"]')!;
  const errors = root.querySelector<HTMLElement>('[data-testid="deck-errors"]')!;
  const pagePath = location.pathname;
  let entries: DeckEntry[] | null = null;
  let index = 0;

  const load = () => {
    let saved: string | null = null;
    try {
      saved = localStorage.getItem(DECK_STORAGE_KEY);
    } catch {
      /* storage off: built-in slides */
    }
    textarea.value = saved ?? defaultDeck(pagePath);
    if (saved) {
      const deck = parseDeck(saved, location.href);
      entries = deck.entries.length ? deck.entries : null;
    }
  };
  const showErrors = (list: string[]) => errors.replaceChildren(...list.map((e) => Object.assign(document.createElement('li'), { textContent: e })));

  const show = (slide: number) => {
    slides.forEach((s, i) => (s.hidden = i !== slide));
    const title = SLIDES[slide]?.title ?? '';
    position.textContent = entries ? `${index + 1} of ${entries.length}: ${title}` : `Slide ${slide + 1} of ${slides.length}: ${title}`;
    document.title = `${title} — Show and Tell, classroom`;
  };
  $state.subscribe((s) => show(Math.min(slides.length - 1, s.slide)));

  const moveSlide = (delta: number) => {
    if (entries) {
      index = nextIndex(index, delta, entries.length);
      setState({ ...entries[index]!.state });
    } else setState({ slide: nextIndex($state.get().slide, delta, slides.length) });
  };
  const step = (delta: number) => {
    const r = $result.get();
    if (!r) return;
    const s = $state.get();
    const last = r.traces[s.decoder].steps.length - 1;
    const next = Math.max(-1, Math.min(last, s.step + delta));
    if (next !== s.step) setState({ step: next });
  };

  root.querySelector('[data-role="prev"]')!.addEventListener('click', () => moveSlide(-1));
  root.querySelector('[data-role="next"]')!.addEventListener('click', () => moveSlide(+1));
  root.querySelector('[data-role="save"]')!.addEventListener('click', () => {
    const deck = parseDeck(textarea.value, location.href);
    showErrors(deck.errors);
    if (!deck.entries.length) return;
    try {
      localStorage.setItem(DECK_STORAGE_KEY, textarea.value);
    } catch {
      showErrors([...deck.errors, 'This browser does not let the page save; the order is used until you leave.']);
    }
    entries = deck.entries;
    index = 0;
    setState({ ...entries[0]!.state });
  });
  root.querySelector('[data-role="add"]')!.addEventListener('click', () => {
    textarea.value = `${textarea.value.replace(/\s*$/, '')}\n${location.pathname}${location.search}`.trim();
  });
  root.querySelector('[data-role="reset"]')!.addEventListener('click', () => {
    try {
      localStorage.removeItem(DECK_STORAGE_KEY);
    } catch {
      /* nothing saved */
    }
    entries = null;
    textarea.value = defaultDeck(pagePath);
    showErrors([]);
    show($state.get().slide);
  });

  // Capture on window: runs before the stepper's document-level ← / → (which would step twice).
  window.addEventListener(
    'keydown',
    (e) => {
      const action = keyAction(e.key, { alt: e.altKey, ctrl: e.ctrlKey, meta: e.metaKey });
      if (!action || e.shiftKey || ownsKeys(document.activeElement)) return;
      e.preventDefault();
      e.stopPropagation();
      if (action.kind === 'slide') moveSlide(action.delta);
      else if (action.kind === 'step') step(action.delta);
      else setState({ ...action.patch, slide: slideIndex(action.slide) });
    },
    true,
  );

  window.__deck = { entries: () => entries, index: () => index };
  load();
}
