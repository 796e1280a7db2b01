/**
 * Re-render a view when the decode result changes, or when one of the state fields it draws from
 * changes, and not for the rest: every view shares one state store, so most state changes belong
 * to another view.
 */
import type { AppState } from '../../state/state';
import { $result, $state, type DecodeResult } from '../../state/store';

export function onResultOrState(fieldsOf: (s: AppState) => unknown[], render: (result: DecodeResult, state: AppState, newResult: boolean) => void): void {
  let lastKey = '';
  let lastResult: DecodeResult | null = null;
  const refresh = () => {
    const result = $result.get();
    if (!result) return;
    const s = $state.get();
    const key = JSON.stringify(fieldsOf(s));
    if (result === lastResult && key === lastKey) return;
    const newResult = result !== lastResult;
    lastResult = result;
    lastKey = key;
    render(result, s, newResult);
  };
  $result.subscribe(refresh);
  $state.subscribe(refresh);
}
