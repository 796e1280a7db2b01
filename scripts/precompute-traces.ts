/**
 * Writes public/traces/<photo>.json: the three decodings (greedy, sample, beam) of example photos
 * at the app's default settings, from the committed decoder and the precomputed example features —
 * exactly what the page's live session computes for them. The article paints these at once and
 * small screens read them without loading the model.
 *
 *   npx tsx scripts/precompute-traces.ts [--photos dog,kite]
 *
 * Rerun it after a new model is exported: the page ignores a file whose model fingerprint differs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeFloat32, type ExampleFeatures } from '../src/model/example-features';
import { beamSearch, DEFAULT_BEAM, greedy, sample } from '../src/model/search';
import { loadCaptioner } from '../src/model/index';
import { initBackend } from '../src/train/node-backend';
import { fsReader } from '../src/train/node-files';
import { currentDecoderName, modelFingerprint } from '../src/components/article/model-fingerprint';
import { packFloats, packTrace, PRECOMPUTED_SETTINGS, PRECOMPUTED_VERSION, type PrecomputedFile } from '../src/lib/precomputed-trace';
import { DEFAULT_STATE } from '../src/state/state';

const arg = process.argv.indexOf('--photos');
const photos = arg > 0 ? process.argv[arg + 1]!.split(',') : [DEFAULT_STATE.photo];

await initBackend('wasm');
const name = currentDecoderName();
const dir = path.join('public', 'models', name);
const { decoder, vocab } = await loadCaptioner(fsReader(dir));
const examples = JSON.parse(readFileSync('public/models/example-features.json', 'utf8')) as ExampleFeatures;
mkdirSync('public/traces', { recursive: true });

const s = PRECOMPUTED_SETTINGS;
// The same options as src/lib/session.ts's refresh(), so live and precomputed traces agree.
const base = { maxLength: DEFAULT_BEAM.maxLength, minLength: DEFAULT_BEAM.minLength, prefix: [] as number[] };
for (const photo of photos) {
  const pre = examples.photos[photo];
  if (!pre) throw new Error(`no example feature for "${photo}" in public/models/example-features.json`);
  const feature = decodeFloat32(pre.feature);
  const traces = {
    greedy: greedy(decoder, feature, base),
    sample: sample(decoder, feature, { ...base, temperature: s.temperature, sampleTopK: s.topk, seed: s.seed }),
    beam: beamSearch(decoder, feature, { ...base, beamWidth: s.k, alpha: s.alpha, expansions: Math.max(s.k, 5) }),
  };
  const file: PrecomputedFile = {
    version: PRECOMPUTED_VERSION,
    model: name,
    fingerprint: modelFingerprint(dir),
    photo,
    settings: s,
    feature: packFloats(feature),
    classes: pre.classes,
    traces: { greedy: packTrace(traces.greedy), sample: packTrace(traces.sample), beam: packTrace(traces.beam) },
  };
  const out = path.join('public', 'traces', `${photo}.json`);
  writeFileSync(out, JSON.stringify(file));
  const words = (t: { tokens: number[] }) => vocab.decode(t.tokens).join(' ');
  console.log(`${out}: ${(JSON.stringify(file).length / 1024).toFixed(0)} kB; beam: "${words(traces.beam)}"; greedy: "${words(traces.greedy)}"; sample: "${words(traces.sample)}"`);
}
decoder.dispose();
