/** The model core's public face: load a captioner from a model folder, decode, read captions. */
import { TfDecoder } from './decoder';
import type { Trace } from './trace';
import { Vocabulary, type VocabularyJson } from './vocab';
import { loadWeights, ModelLoadError, readJsonFile, type FileReader } from './weights';

export { greedy, sample, beamSearch } from './search';
export type { FileReader } from './weights';
export { ModelLoadError } from './weights';

export interface Captioner {
  decoder: TfDecoder;
  vocab: Vocabulary;
  meta: Record<string, unknown>;
}

/** Load model.json, its weights and its vocabulary through `read` (fetch in the page, fs in Node). */
export async function loadCaptioner(read: FileReader): Promise<Captioner> {
  const { modelJson, config, weights } = await loadWeights(read);
  const vocabFile = modelJson.vocab ?? 'vocab.json';
  let vocab: Vocabulary;
  try {
    vocab = Vocabulary.fromJSON(await readJsonFile<VocabularyJson>(read, vocabFile, 'the vocabulary'));
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw new ModelLoadError(`"${vocabFile}": ${e instanceof Error ? e.message : String(e)}`, vocabFile);
  }
  if (vocab.size !== config.vocabSize) {
    throw new ModelLoadError(`"${vocabFile}" has ${vocab.size} words but model.json expects ${config.vocabSize}`, vocabFile);
  }
  return { decoder: TfDecoder.fromWeights(config, weights), vocab, meta: modelJson.meta ?? {} };
}

export function captionText(trace: Trace, vocab: Vocabulary): string {
  return vocab.decode(trace.tokens).join(' ');
}
