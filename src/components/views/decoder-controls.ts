/**
 * The decoder settings form, bound both ways to `$state` (so every setting lands in the URL):
 * which decoder the stepper follows, sampling's temperature / top-k / seed (with "Resample"),
 * and beam search's width k and length normalisation α. Values are checked with the same parsers
 * the URL uses (src/state/state.ts), so the form can never put a value in the state that a link
 * could not hold.
 */
import { PROPERTIES, type AppState } from '../../state/state';
import { $state, setState } from '../../state/store';
import { formatTemperature, sliderToTemperature, temperatureToSlider } from '../../lib/temperature';
import type { DecoderKind } from '../../model/trace';

type NumericKey = 'k' | 'alpha' | 'topk' | 'seed';

/** Parse a control's text with the URL's parser for that key; undefined when out of range. */
export function parseSetting<K extends keyof AppState>(key: K, raw: string): AppState[K] | undefined {
  const prop = PROPERTIES.find((p) => p.key === key);
  if (!prop) throw new Error(`decoder controls: no state property ${String(key)}`);
  return (prop.parse as (r: string) => AppState[K] | undefined)(raw.trim());
}

/** A fresh seed for "Resample": any other valid seed, so the sampled caption is drawn again. */
export function newSeed(current: number, random: () => number = Math.random): number {
  const MAX = 2 ** 31 - 1;
  let seed = Math.floor(random() * MAX) + 1;
  if (seed === current) seed = (seed % MAX) + 1;
  return seed;
}

/** α as the slider shows it: one decimal, since the slider moves in tenths. */
export function formatAlpha(alpha: number): string {
  return alpha.toFixed(1);
}

function control<T extends HTMLElement>(root: HTMLElement, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`decoder controls: missing [data-testid="${id}"]`);
  return el;
}

export function mountDecoderControls(root: HTMLElement): void {
  const form = root instanceof HTMLFormElement ? root : root.querySelector('form');
  form?.addEventListener('submit', (e) => e.preventDefault());
  const radios = [...root.querySelectorAll<HTMLInputElement>('input[name="decoder"]')];
  const temperature = control<HTMLInputElement>(root, 'temperature');
  const temperatureValue = control<HTMLOutputElement>(root, 'temperature-value');
  const numeric: Record<NumericKey, HTMLInputElement> = {
    k: control(root, 'beam-k'),
    alpha: control(root, 'alpha'),
    topk: control(root, 'topk'),
    seed: control(root, 'seed'),
  };
  const kValue = control<HTMLOutputElement>(root, 'beam-k-value');
  const alphaValue = control<HTMLOutputElement>(root, 'alpha-value');
  const resample = control<HTMLButtonElement>(root, 'resample');

  for (const radio of radios) {
    radio.addEventListener('change', () => {
      if (radio.checked) setState({ decoder: radio.value as DecoderKind });
    });
  }
  // Temperature on every `input` event: the p_t bars redraw from cached logits while dragging.
  temperature.addEventListener('input', () => setState({ temperature: sliderToTemperature(Number(temperature.value)) }));
  // The others re-run the decoders, so they commit on `change` (release, Enter, or blur).
  for (const key of Object.keys(numeric) as NumericKey[]) {
    const input = numeric[key];
    input.addEventListener('change', () => {
      const value = parseSetting(key, input.value);
      if (value === undefined) {
        input.setAttribute('aria-invalid', 'true');
        return;
      }
      input.removeAttribute('aria-invalid');
      setState({ [key]: value } as Partial<AppState>);
    });
  }
  resample.addEventListener('click', () => setState({ seed: newSeed($state.get().seed), decoder: 'sample' }));

  $state.subscribe((s) => {
    for (const radio of radios) radio.checked = radio.value === s.decoder;
    const position = String(temperatureToSlider(s.temperature));
    if (temperature.value !== position && document.activeElement !== temperature) temperature.value = position;
    temperature.setAttribute('aria-valuetext', `T = ${formatTemperature(s.temperature)}`);
    temperatureValue.textContent = formatTemperature(s.temperature);
    for (const key of Object.keys(numeric) as NumericKey[]) {
      const input = numeric[key];
      // Don't fight the reader while they type a number.
      if (document.activeElement === input && input.type === 'number') continue;
      input.value = String(s[key]);
      input.removeAttribute('aria-invalid');
    }
    kValue.textContent = String(s.k);
    alphaValue.textContent = formatAlpha(s.alpha);
    numeric.alpha.setAttribute('aria-valuetext', `α = ${formatAlpha(s.alpha)}`);
  });
}
