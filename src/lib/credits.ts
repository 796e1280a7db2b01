/**
 * Reads public/examples/CREDITS.md at build time into plain data that Astro renders as escaped text
 * (no HTML from the file ever reaches the page as markup). Handles the subset that file uses:
 * headings, paragraphs and one pipe table.
 */
export type CreditsBlock =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'table'; columns: string[]; rows: string[][] };

/** Inline markdown the file might use (`code`, **bold**, _em_) is shown as plain text. */
function plain(text: string): string {
  return text.replace(/`([^`]*)`/g, '$1').replace(/\*\*([^*]+)\*\*/g, '$1').trim();
}

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(plain);
}

export function parseCreditsMarkdown(md: string): CreditsBlock[] {
  const blocks: CreditsBlock[] = [];
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]!.length, text: plain(heading[2]!) });
      i++;
    } else if (line.trim().startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.trim().startsWith('|'); i++) rows.push(cells(lines[i]!));
      const [columns = [], separator, ...body] = rows;
      if (!separator?.every((c) => /^:?-{3,}:?$/.test(c))) throw new Error('credits: a table needs a |---| separator row');
      blocks.push({ kind: 'table', columns, rows: body });
    } else if (line.trim()) {
      const para: string[] = [];
      for (; i < lines.length && lines[i]!.trim() && !/^(#|\s*\|)/.test(lines[i]!); i++) para.push(lines[i]!.trim());
      blocks.push({ kind: 'paragraph', text: plain(para.join(' ')) });
    } else {
      i++;
    }
  }
  return blocks;
}

export interface ExamplePhoto {
  /** File name inside public/examples/, e.g. "dog.jpg". */
  file: string;
  /** "what it shows": doubles as the photo's alt text. */
  shows: string;
  source: string;
  licence: string;
}

/** The photo table of CREDITS.md: one entry per example photo, in the file's order. */
export function examplePhotos(blocks: readonly CreditsBlock[]): ExamplePhoto[] {
  const table = blocks.find((b): b is Extract<CreditsBlock, { kind: 'table' }> => b.kind === 'table');
  if (!table) throw new Error('credits: no photo table');
  const col = (name: string) => {
    const i = table.columns.findIndex((c) => c.toLowerCase().startsWith(name));
    if (i < 0) throw new Error(`credits: no "${name}" column`);
    return i;
  };
  const [file, shows, source, licence] = [col('file'), col('what'), col('debian'), col('licence')];
  return table.rows.map((r) => ({ file: r[file] ?? '', shows: r[shows] ?? '', source: r[source] ?? '', licence: r[licence] ?? '' }));
}

/** CREDITS.md says "same as above" for rows that share the previous row's licence; spell it out. */
export function resolveSameAsAbove(photos: readonly ExamplePhoto[]): ExamplePhoto[] {
  const out: ExamplePhoto[] = [];
  for (const p of photos) {
    const prev = out[out.length - 1];
    out.push(/^same as above$/i.test(p.licence) && prev ? { ...p, licence: prev.licence } : p);
  }
  return out;
}
