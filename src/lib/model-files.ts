/**
 * Which decoder the site serves: `models/current.json` names a folder under `models/`. Free of
 * tfjs, so views can find the model's side files (layout, unit words) without loading TensorFlow.js.
 */
/** Reads `{"decoder": "<name>"}`; the name becomes a URL folder, so only plain names pass. */
export function decoderName(json: unknown): string {
  const name = (json as { decoder?: unknown } | null)?.decoder;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/i.test(name)) {
    throw new Error(`models/current.json must name a decoder folder, e.g. {"decoder": "flickr8k"}; got ${JSON.stringify(json)}`);
  }
  return name;
}
