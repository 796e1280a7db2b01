/**
 * The site's Content-Security-Policy, in one place: SiteHead.astro writes it into every page's
 * <meta http-equiv>, and the tests read it from here. Each source is allowed for one reason:
 *
 * - script-src 'self' 'wasm-unsafe-eval': our bundles only (no inline scripts: astro.config.mjs sets
 *   assetsInlineLimit 0, so Astro never inlines one), and WebAssembly.instantiate for the tfjs wasm
 *   backend — it compiles wasm, it never evals JavaScript.
 * - style-src 'self': bundled CSS only (inlineStylesheets: 'never'); scripts set styles through the
 *   CSSOM (element.style, d3's .style(), KaTeX in the page), which CSP does not restrict.
 * - style-src-attr 'unsafe-inline': style="…" attributes in the built HTML, and nothing else —
 *   KaTeX rendered at build time (the article's equations) positions every glyph with them. An
 *   attribute cannot run script, and no reader-controlled text ever reaches the HTML; <style>
 *   elements stay forbidden.
 * - img-src blob: data:: the reader's upload and webcam frame are previewed from blob: URLs (a
 *   data: URL where canvas.toBlob fails), and the layout's empty favicon is `data:,`.
 * - worker-src 'self': the UMAP worker is a bundled file on our origin.
 * - connect-src 'self': models, wasm binaries, example photos — never another origin.
 * Nothing else: no frames, no plugins, no <base> tricks, no form posts elsewhere.
 * (frame-ancestors cannot be set from a <meta>; a host that sends headers should add it.)
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'"],
  'style-src-attr': ["'unsafe-inline'"],
  'img-src': ["'self'", 'blob:', 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'media-src': ["'self'", 'blob:'],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
};

/** The policy as one header value. */
export function contentSecurityPolicy(directives = CSP_DIRECTIVES) {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
