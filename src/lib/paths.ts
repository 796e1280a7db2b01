/** Joins the site's base URL (import.meta.env.BASE_URL: "/" or "/sub" or "/sub/") with a path inside the site. */
export function withBase(base: string, path: string): string {
  return `${base.endsWith('/') ? base : base + '/'}${path.replace(/^\/+/, '')}`;
}
