/**
 * `npm run --silent caption -- --json [--beam K] FILE...`: caption any image files with the
 * committed model, in Node, through the same encoder and decoder code as the page.
 * Prints [{"file", "caption", "logp"}] (or one line per file without --json). A file that cannot
 * be read gets an "error" field instead, and the exit status is 1.
 */
import { encodeImage } from '../model/encoder';
import { captionText, loadCaptioner } from '../model/index';
import { beamSearch, DEFAULT_BEAM, greedy } from '../model/search';
import { fail, flagNumber, flagString, parseFlags, runIfMain, modelDirFlag } from './cli';
import { decodeImageFile } from './decode-image';
import { centernetPath, initBackend, loadGraphModelFromFile } from './node-backend';
import { fsReader } from './node-files';

async function main() {
  const { flags, positional } = parseFlags();
  if (positional.length === 0 || flags['help']) {
    fail('usage: npm run --silent caption -- [--json] [--beam K] [--model DIR] FILE...');
  }
  const beamWidth = flagNumber(flags, 'beam', DEFAULT_BEAM.beamWidth);
  const maxLength = flagNumber(flags, 'max-length', DEFAULT_BEAM.maxLength);
  const modelDir = modelDirFlag(flags);
  await initBackend('wasm');
  const [encoder, captioner] = await Promise.all([loadGraphModelFromFile(centernetPath()), loadCaptioner(fsReader(modelDir))]);
  const results: { file: string; caption?: string; logp?: number; error?: string }[] = [];
  for (const file of positional) {
    try {
      const { feature } = encodeImage(encoder, await decodeImageFile(file));
      const trace = beamWidth > 1 ? beamSearch(captioner.decoder, feature, { ...DEFAULT_BEAM, beamWidth, maxLength }) : greedy(captioner.decoder, feature, { maxLength, minLength: DEFAULT_BEAM.minLength });
      results.push({ file, caption: captionText(trace, captioner.vocab), logp: Number(trace.logp.toFixed(4)) });
    } catch (e) {
      results.push({ file, error: `could not caption this file: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  if (flags['json']) process.stdout.write(JSON.stringify(results, null, 1) + '\n');
  else for (const r of results) process.stdout.write(`${r.file}\t${r.caption ?? 'ERROR: ' + r.error}\n`);
  process.exit(results.some((r) => r.error) ? 1 : 0);
}

runIfMain(import.meta.url, main);
