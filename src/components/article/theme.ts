/**
 * Light / dark / auto. Auto (the default) is the reader's prefers-color-scheme; a choice is stored
 * in localStorage and set as data-theme on <html>, which global.css reads.
 */
export type Theme = 'auto' | 'light' | 'dark';
const KEY = 'show-and-tell:theme';
/** Dispatched on window whenever the theme is applied. */
export const THEME_EVENT = 'show-and-tell:theme';

export function storedTheme(): Theme {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

export function applyTheme(theme: Theme): void {
  const html = document.documentElement;
  if (theme === 'auto') html.removeAttribute('data-theme');
  else html.setAttribute('data-theme', theme);
  // Form controls and scrollbars follow too.
  html.style.colorScheme = theme === 'auto' ? '' : theme;
  // Canvas views read their colours from CSS once; this tells them to read again.
  window.dispatchEvent(new Event(THEME_EVENT));
}

export function mountThemeChoice(root: HTMLElement): void {
  const select = root.querySelector('select')!;
  const theme = storedTheme();
  select.value = theme;
  applyTheme(theme);
  root.hidden = false;
  select.addEventListener('change', () => {
    const next = select.value as Theme;
    applyTheme(next);
    try {
      if (next === 'auto') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  });
}
