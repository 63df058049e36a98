/**
 * Redis Cluster key slots, computed as the Cluster specification defines them (written here rather
 * than borrowed from a client, so the tests check our keys against the spec, not against ioredis):
 * slot = CRC16-XMODEM(hashed part) mod 16384, where the hashed part is the key's hash tag — the bytes
 * between the first `{` and the first `}` after it — when that is non-empty, else the whole key.
 */

/** Number of hash slots in a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

/** CRC16-XMODEM (polynomial 0x1021, initial value 0, no reflection, no final xor). */
export function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The bytes of `key` that decide its slot: its hash tag when it has a non-empty one, else all of it. */
export function hashedPart(key: string): Buffer {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // '{'
  if (open < 0) return bytes;
  const close = bytes.indexOf(0x7d, open + 1); // '}'
  if (close < 0 || close === open + 1) return bytes;
  return bytes.subarray(open + 1, close);
}

/** The hash tag of `key` as a string, or null when the whole key is hashed. */
export function hashTag(key: string): string | null {
  const part = hashedPart(key);
  return part.length === Buffer.byteLength(key, 'utf8') ? null : part.toString('utf8');
}

/** The cluster slot of `key` (0..16383). */
export function keySlot(key: string): number {
  return crc16(hashedPart(key)) % CLUSTER_SLOTS;
}

/** The distinct slots of some keys (one element when a cluster accepts them together). */
export function distinctSlots(keys: readonly string[]): number[] {
  return [...new Set(keys.map(keySlot))];
}
