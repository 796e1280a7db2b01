/**
 * Binds a FigureTools bar: copy the state link (clipboard, else a selected text box), and export
 * the target figure as SVG or PNG, stamped with the state (src/lib/figure-export.ts).
 */
import { softmax, topIndices } from '../../model/search';
import { $result, $state } from '../../state/store';
import { barsFigure, download, photoFigure, exportFileName, figureSvg, stampLines, svgText, svgToPng, type BarDatum } from '../../lib/figure-export';
import { copyText, shareLink } from '../../lib/share';

/** The stepper's p_t at the reader's temperature: top 10, the chosen word marked. */
export function currentBars(): BarDatum[] | null {
  const result = $result.get();
  if (!result) return null;
  const s = $state.get();
  const trace = result.traces[s.decoder];
  const step = trace.steps[Math.max(0, Math.min(trace.steps.length - 1, s.step))];
  if (!step || s.step < 0) return null;
  const p = softmax(step.logits, s.temperature);
  const ids = topIndices(p, 10);
  if (!ids.includes(step.chosen)) ids.push(step.chosen);
  return ids.map((id) => ({ word: result.words[id] ?? `#${id}`, p: p[id]!, marked: id === step.chosen }));
}

function currentCaption(): string | undefined {
  const result = $result.get();
  if (!result) return undefined;
  const trace = result.traces[$state.get().decoder];
  return trace.tokens.map((t) => result.words[t] ?? `#${t}`).join(' ');
}

export function mountFigureTools(root: HTMLElement): void {
  const target = root.dataset.target ?? '';
  const title = root.dataset.title ?? 'Figure';
  const kind = root.dataset.kind;
  const status = root.querySelector<HTMLElement>('[data-role="status"]')!;
  const fallback = root.querySelector<HTMLElement>('[data-role="fallback"]')!;
  const fallbackInput = root.querySelector<HTMLInputElement>('[data-role="fallback-input"]')!;
  root.hidden = false;
  const say = (text: string) => {
    status.textContent = text;
  };

  root.querySelector('[data-role="copy"]')!.addEventListener('click', async () => {
    const link = shareLink(location.href, target);
    if (await copyText(link)) {
      fallback.hidden = true;
      say(root.dataset.copied ?? 'Copied.');
    } else {
      // No clipboard (insecure origin, refused permission): the link, selected, for Ctrl+C.
      fallbackInput.value = link;
      fallback.hidden = false;
      fallbackInput.focus();
      fallbackInput.select();
      say('');
    }
  });

  const exportAs = async (format: 'svg' | 'png') => {
    const figure = document.getElementById(target);
    if (!figure) return;
    const state = $state.get();
    const lines = stampLines(title, state, shareLink(location.href), currentCaption());
    let svg: SVGSVGElement | null;
    try {
      const photo = figure.querySelector<HTMLImageElement>('img[data-testid="photo"]');
      const result = $result.get();
      svg =
        kind === 'caption' && photo && result
          ? photoFigure(photo, result.classes.map((c) => ({ word: c.name, p: c.score })), lines, figure)
          : kind === 'bars' ? (currentBars() ? barsFigure(currentBars()!, lines, figure) : null) : figureSvg(figure, lines, currentBars);
    } catch {
      svg = null;
    }
    if (!svg) {
      say(root.dataset.none ?? 'Nothing to export yet.');
      return;
    }
    const name = exportFileName(title, state, format);
    const blob = format === 'svg' ? new Blob([svgText(svg)], { type: 'image/svg+xml' }) : await svgToPng(svg);
    download(blob, name);
    say(`${root.dataset.done ?? 'Saved'}: ${name}`);
  };
  root.querySelector('[data-role="svg"]')!.addEventListener('click', () => void exportAs('svg'));
  root.querySelector('[data-role="png"]')!.addEventListener('click', () => void exportAs('png'));
}
