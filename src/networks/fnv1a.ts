/**
 * 32-bit FNV-1a hash of a string's UTF-8 bytes (offset basis 2166136261, prime 16777619).
 * Deterministic across platforms; used for instruction word buckets and per-variable seeds.
 *
 * @param text - Any string; it is encoded as UTF-8 first.
 * @returns An unsigned 32-bit integer.
 * @category Networks
 */
export function fnv1a32(text: string): number {
  const bytes = new TextEncoder().encode(text);
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
