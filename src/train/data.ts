/** Dataset readers (Node only). The dataset is never copied into the project. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type Split = 'train' | 'dev' | 'test';

export function requireDir(dir: string, what: string): void {
  if (!existsSync(dir)) {
    throw new Error(`${what} not found at ${dir}. Pass its folder with a flag (see README: "Training pipeline").`);
  }
}

export function readSplit(flickr8k: string, split: Split): string[] {
  return readFileSync(path.join(flickr8k, 'splits', `${split}.txt`), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
}

/** image file name → its (raw) captions. */
export function readFlickr8kCaptions(flickr8k: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(path.join(flickr8k, 'captions.txt'), 'utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const image = line.slice(0, tab).replace(/#\d+$/, '');
    const list = out.get(image) ?? [];
    list.push(line.slice(tab + 1));
    out.set(image, list);
  }
  return out;
}

/**
 * Caption text for language pre-training: Flickr30k rows that are NOT Flickr8k images
 * (`flickr8k_split` is `-`, or the Flickr8k test captions would leak) and all COCO rows.
 */
export function readPretrainCaptions(flickr30k: string, coco: string): { flickr30k: string[]; coco: string[] } {
  const f30: string[] = [];
  const f30lines = readFileSync(path.join(flickr30k, 'flickr30k_captions.tsv'), 'utf8').split('\n');
  const header = f30lines[0]!.split('\t');
  const capCol = header.indexOf('caption');
  const f8Col = header.indexOf('flickr8k_split');
  if (capCol < 0 || f8Col < 0) throw new Error('flickr30k_captions.tsv: expected caption and flickr8k_split columns');
  for (const line of f30lines.slice(1)) {
    const cols = line.split('\t');
    if (cols.length <= f8Col) continue;
    if (cols[f8Col] === '-') f30.push(cols[capCol]!);
  }
  const cocoLines = readFileSync(path.join(coco, 'coco_captions.tsv'), 'utf8').split('\n');
  const cocoCap = cocoLines[0]!.split('\t').indexOf('caption');
  const cc = cocoLines.slice(1).map((l) => l.split('\t')[cocoCap]).filter((c): c is string => !!c);
  return { flickr30k: f30, coco: cc };
}
