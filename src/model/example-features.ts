/** Float32 arrays as base64 text (exact, and a third the size of decimal JSON). DOM-free: atob/btoa exist in Node ≥ 16 and browsers. */
export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function decodeFloat32(base64: string): Float32Array {
  const s = atob(base64);
  if (s.length % 4 !== 0) throw new Error('decodeFloat32: byte length is not a multiple of 4');
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export interface ExampleFeatures {
  encoder: string;
  dim: number;
  photos: Record<string, { width: number; height: number; feature: string; classes: { name: string; score: number }[] }>;
}
