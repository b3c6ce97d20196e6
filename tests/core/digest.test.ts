/** CRC-32C: published test vectors, and agreement with the bit-by-bit definition at any length and alignment. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, hex32 } from '../../core/digest.js';

/** CRC-32C from its definition, one bit at a time (reflected polynomial 0x82F63B78). */
function reference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('gives the published check value and the RFC 3720 (iSCSI) test vectors', () => {
    expect(hex32(crc32c(new TextEncoder().encode('123456789')))).toBe('e3069283'); // the CRC catalogue's check
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bit-by-bit definition at every length and byte offset, and continues from a prefix', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 7 }), fc.nat(), (data, shift, cut) => {
        const host = new Uint8Array(data.length + shift);
        host.set(data, shift);
        const view = host.subarray(shift); // every alignment of the word loop
        expect(crc32c(view)).toBe(reference(data));
        const k = data.length ? cut % (data.length + 1) : 0;
        expect(crc32c(view.subarray(k), crc32c(view.subarray(0, k)))).toBe(reference(data));
      }),
      { seed: 20261203, numRuns: 300 },
    );
  });

  it('changes for every single flipped bit of a message', () => {
    const msg = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
    const base = crc32c(msg);
    for (let bit = 0; bit < msg.length * 8; bit++) {
      msg[bit >> 3]! ^= 1 << (bit & 7);
      expect(crc32c(msg), `bit ${bit}`).not.toBe(base);
      msg[bit >> 3]! ^= 1 << (bit & 7);
    }
  });

  it('writes 8 lowercase hex digits', () => {
    expect(hex32(0)).toBe('00000000');
    expect(hex32(0xdeadbeef)).toBe('deadbeef');
    expect(hex32(-1)).toBe('ffffffff');
  });
});
