/**
 * The page's one live Session, shared between the script that creates it (explore.astro) and the
 * islands that feed it images (the image picker). Islands' scripts may run before the page's, so
 * they wait with `whenSession()` rather than reading a global.
 */
import type { Session } from './session';

let current: Session | null = null;
const waiting: ((s: Session) => void)[] = [];

export function setSession(session: Session): void {
  current = session;
  for (const resolve of waiting.splice(0)) resolve(session);
}

export function getSession(): Session | null {
  return current;
}

/** Resolves with the session as soon as the page has created it. */
export function whenSession(): Promise<Session> {
  return current ? Promise.resolve(current) : new Promise((resolve) => waiting.push(resolve));
}

/**
 * Makes a query string safe for decodeURIComponent, piece by piece: every `%` in a key or value
 * that does not decode becomes `%25`. tfjs-core reads its debug flags from location.search with
 * decodeURIComponent when it first loads, and throws on a malformed escape (`?photo=%`, half of a
 * UTF-8 sequence) — which would stop every script on the page. SiteHead.astro runs this first.
 */
export function repairQuery(search: string): string {
  return search
    .split(/([?&=])/)
    .map((piece) => {
      try {
        decodeURIComponent(piece);
        return piece;
      } catch {
        return piece.replace(/%/g, '%25');
      }
    })
    .join('');
}
