/**
 * "Copy link to this step": the URL already holds the whole state (src/state), so sharing is
 * copying location.href. navigator.clipboard needs a secure context and permission; where it is
 * missing or refused, the caller shows the link in a selected text box instead.
 */

export interface ClipboardLike {
  writeText(text: string): Promise<void>;
}

/** Copy `text`; resolves true when it reached the clipboard, false when the reader must copy it by hand. */
export async function copyText(text: string, clipboard: ClipboardLike | undefined = globalThis.navigator?.clipboard): Promise<boolean> {
  if (!clipboard) return false;
  try {
    await clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The link for the current view: the page's own address (the store keeps its query in step with
 * the state) without any #fragment, plus `#anchor` when the reader is looking at one figure.
 */
export function shareLink(href: string, anchor?: string): string {
  const url = new URL(href);
  url.hash = anchor && /^[A-Za-z][\w-]*$/.test(anchor) ? anchor : '';
  return url.toString();
}
