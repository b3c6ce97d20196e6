/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 and Btrfs, computed
 * slicing-by-8 over 32-bit words. A CRC detects every single-bit error and every burst of up to 32 bits
 * in its input, which is what a checkpoint's integrity check needs; it is not a cryptographic hash.
 */

const POLY = 0x82f63b78;
// TABLE[k * 256 + b]: the CRC of byte b followed by k zero bytes.
const TABLE = new Int32Array(8 * 256);
for (let b = 0; b < 256; b++) {
  let c = b;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[b] = c;
}
for (let k = 1; k < 8; k++)
  for (let b = 0; b < 256; b++) {
    const prev = TABLE[(k - 1) * 256 + b]!;
    TABLE[k * 256 + b] = (prev >>> 8) ^ TABLE[prev & 0xff]!;
  }
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * @internal The CRC-32C of `bytes`, continuing from `crc` (the CRC of the bytes before them; 0 to start),
 * as an unsigned 32-bit integer: `crc32c(b) === crc32c(b.subarray(k), crc32c(b.subarray(0, k)))`.
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  const t = TABLE;
  let c = ~crc;
  let i = 0;
  const n = bytes.length;
  // Bytewise up to a 4-byte boundary, then two little-endian words per round.
  while (i < n && (bytes.byteOffset + i) % 4 !== 0) c = (c >>> 8) ^ t[(c ^ bytes[i++]!) & 0xff]!;
  if (HOST_LE && n - i >= 8) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, (n - i) >>> 2);
    const pairs = words.length >>> 1;
    for (let w = 0; w < 2 * pairs; w += 2) {
      const a = c ^ words[w]!;
      const b = words[w + 1]!;
      c =
        t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^ t[512 + ((b >>> 8) & 0xff)]! ^ t[256 + ((b >>> 16) & 0xff)]! ^ t[b >>> 24]!;
    }
    i += 8 * pairs;
  }
  while (i < n) c = (c >>> 8) ^ t[(c ^ bytes[i++]!) & 0xff]!;
  return ~c >>> 0;
}

/** @internal A 32-bit value as 8 lowercase hexadecimal digits. */
export function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
