/** Shared plumbing for the pipeline commands: flags, a progress bar with ETA, a log file, seeded RNG. */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { currentDecoderName } from '../components/article/model-fingerprint';

export type Flags = Record<string, string | boolean>;

/** Flags that never take a value, so `--json dog` leaves `dog` positional. */
export const BOOLEAN_FLAGS = ['json', 'check', 'help', 'no-pretrain', 'continue', 'record-only'];

/** `--name value`, `--name=value` and bare `--flag` (true). Other arguments are positional. */
export function parseFlags(argv = process.argv.slice(2)): { flags: Flags; positional: string[] } {
  const flags: Flags = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    else if (!BOOLEAN_FLAGS.includes(arg.slice(2)) && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags[arg.slice(2)] = argv[++i]!;
    else flags[arg.slice(2)] = true;
  }
  return { flags, positional };
}

export function flagString(flags: Flags, name: string, fallback: string): string {
  const v = flags[name];
  return typeof v === 'string' ? v : fallback;
}

/** `--model DIR`, else the decoder folder public/models/current.json names: what the CLIs read by default. */
export function modelDirFlag(flags: Flags): string {
  return flagString(flags, 'model', path.resolve('public/models', currentDecoderName()));
}

export function flagNumber(flags: Flags, name: string, fallback: number): number {
  const v = flags[name];
  if (typeof v !== 'string') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} expects a number, got "${v}"`);
  return n;
}

/** Where the dataset lives. Defaults point at ../shared beside the project; flags override. */
export function dataDirs(flags: Flags) {
  const shared = flagString(flags, 'data', path.resolve('../shared/data'));
  return {
    flickr8k: flagString(flags, 'flickr8k', path.join(shared, 'flickr8k')),
    flickr30k: flagString(flags, 'flickr30k', path.join(shared, 'flickr30k-captions')),
    coco: flagString(flags, 'coco', path.join(shared, 'coco-captions')),
  };
}

/** Pipeline outputs that are not committed (features, checkpoints, logs). */
export function workDir(flags: Flags): string {
  const dir = flagString(flags, 'work', path.resolve('artifacts'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export class Logger {
  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
  }
  log(...parts: unknown[]): void {
    const line = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
    appendFileSync(this.file, `${new Date().toISOString()} ${line}\n`);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    process.stderr.write(line + '\n');
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const sec = Math.floor(s % 60).toString().padStart(2, '0');
  return h > 0 ? `${h}:${(m % 60).toString().padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A one-line progress bar with rate and ETA. Redraws in place on a TTY, prints every 5 s otherwise. */
export class Progress {
  private start = performance.now();
  private lastPrint = 0;
  private base: number;
  constructor(private label: string, private total: number, private done = 0) {
    this.base = done; // items finished by an earlier run do not count towards this run's rate
  }
  tick(n = 1, note = ''): void {
    this.done += n;
    const now = performance.now();
    const tty = process.stderr.isTTY;
    if (this.done < this.total && now - this.lastPrint < (tty ? 200 : 5000)) return;
    this.lastPrint = now;
    const elapsed = (now - this.start) / 1000;
    const rate = (this.done - this.base) / Math.max(elapsed, 1e-9);
    const eta = (this.total - this.done) / rate;
    const frac = Math.min(1, this.done / this.total);
    const width = 24;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    const line = `${this.label} ${bar} ${(frac * 100).toFixed(1)}% ${this.done}/${this.total} ${formatSeconds(elapsed)} ETA ${formatSeconds(eta)} ${note}`;
    process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    if (tty && this.done >= this.total) process.stderr.write('\n');
  }
}

export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

/** Run `main` only when this module is the command being executed (not when a test imports it). */
export function runIfMain(moduleUrl: string, main: () => Promise<void>): void {
  const entry = process.argv[1];
  if (!entry || path.resolve(entry) !== new URL(moduleUrl).pathname) return;
  main().catch((e) => {
    console.error(e instanceof Error ? (process.env['DEBUG'] ? e.stack : `error: ${e.message}`) : e);
    process.exit(1);
  });
}
