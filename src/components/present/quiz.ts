/**
 * Binds the quiz to the shared store: the step being guessed is `$state.step` on the current
 * decoder's trace. Words go into the page with textContent only.
 */
import { END_ID, START } from '../../model/vocab';
import { $result, $state, setState } from '../../state/store';
import { choicesFor, describeScore, revealBars, scoreGuess, type GuessScore } from './quiz-logic';

export function mountQuiz(root: HTMLElement): void {
  const q = <T extends HTMLElement>(id: string) => root.querySelector<T>(`[data-testid="${id}"]`)!;
  const prefix = q('quiz-prefix');
  const input = q<HTMLInputElement>('quiz-input');
  const choices = q('quiz-choices');
  const result = q('quiz-result');
  const bars = q('quiz-bars');
  const next = q<HTMLButtonElement>('quiz-next');
  const score = q('quiz-score');
  const live = q('quiz-live');
  const form = root.querySelector<HTMLFormElement>('[data-role="form"]')!;
  const answer = root.querySelector<HTMLElement>('[data-role="answer"]')!;
  let total = 0;
  let rounds = 0;
  let key = '';
  let revealed: GuessScore | null = null;

  const current = () => {
    const r = $result.get();
    if (!r) return null;
    const s = $state.get();
    const trace = r.traces[s.decoder];
    const t = Math.max(0, Math.min(trace.steps.length - 1, s.step));
    return { r, trace, t, step: trace.steps[t]! };
  };

  const render = () => {
    const c = current();
    if (!c) return;
    const k = JSON.stringify([c.r.photo, c.trace.tokens, c.t, $state.get().decoder]);
    if (k === key) return;
    key = k;
    revealed = null;
    const words = c.trace.steps.slice(0, c.t).map((s) => c.r.words[s.chosen] ?? `#${s.chosen}`);
    prefix.replaceChildren(
      Object.assign(document.createElement('span'), { className: 'muted', textContent: `Word ${c.t + 1}. So far: ` }),
      Object.assign(document.createElement('span'), { className: 'quiz-words', textContent: [START, ...words].join(' ') + ' …' }),
    );
    choices.replaceChildren(
      ...choicesFor(c.step, c.r.words).map((w) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = w;
        b.dataset.word = w;
        b.addEventListener('click', () => reveal(w));
        return b;
      }),
    );
    input.value = '';
    form.hidden = false;
    answer.hidden = true;
  };

  const reveal = (guess: string) => {
    const c = current();
    if (!c || revealed) return;
    revealed = scoreGuess(c.step, c.r.words, guess);
    total += revealed.points;
    rounds += 1;
    const text = describeScore(revealed);
    result.textContent = text;
    live.textContent = text;
    const list = revealBars(c.step, c.r.words, revealed);
    const max = Math.max(...list.map((b) => b.p));
    bars.replaceChildren(
      ...list.map((b) => {
        const li = document.createElement('li');
        li.classList.toggle('chosen', b.chosen);
        li.classList.toggle('guessed', b.guessed);
        if (b.guessed) li.dataset.testid = 'quiz-guess-bar';
        const label = document.createElement('span');
        label.className = 'quiz-word';
        label.textContent = `${b.guessed ? '◆ ' : ''}${b.chosen ? '● ' : ''}${b.word}`;
        const track = document.createElement('span');
        track.className = 'quiz-track';
        const bar = document.createElement('span');
        bar.className = 'quiz-bar';
        bar.style.width = `${Math.max(0.5, (b.p / max) * 100)}%`;
        track.append(bar);
        const value = document.createElement('span');
        value.className = 'quiz-value';
        value.textContent = `${b.p >= 0.001 ? `${(b.p * 100).toFixed(1)} %` : b.p.toExponential(1)} · #${b.rank}`;
        li.append(label, track, value);
        return li;
      }),
    );
    score.textContent = `Class score: ${total} point${total === 1 ? '' : 's'} in ${rounds} guess${rounds === 1 ? '' : 'es'}.`;
    form.hidden = true;
    answer.hidden = false;
    next.disabled = c.step.chosen === END_ID || c.t >= c.trace.steps.length - 1;
    next.textContent = next.disabled ? 'The caption is complete' : 'Next word →';
    next.focus();
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    reveal(input.value);
  });
  next.addEventListener('click', () => {
    const c = current();
    if (c) setState({ step: Math.min(c.trace.steps.length - 1, c.t + 1) });
    input.focus();
  });
  $result.subscribe(render);
  $state.subscribe(render);
}
