import { snappyUncompressor } from "hysnappy";

/**
 * Snappy block decompression for remote-write bodies, with hysnappy (snappy's C decoder as a
 * small WebAssembly module): about 3.5 times snappyjs's speed on remote-write bodies, and it
 * refuses a block that ends short of its declared length, which snappyjs pads with zeros.
 * snappyjs stays for compression (the agent's side).
 *
 * The WebAssembly memory grows to the largest block seen (compressed plus declared length,
 * so at most the body limit plus the decoded limit) and is kept for the next one.
 */
let uncompress: ((block: Uint8Array, length: number) => Uint8Array) | undefined;

/** The length a snappy block declares in its leading varint (at most 2^32 - 1), or -1 if malformed. */
export function snappyDeclaredLength(block: Uint8Array): number {
  let length = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i] as number;
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return length <= 0xffffffff ? length : -1;
  }
  return -1;
}

/** Decompresses one snappy block of at most `maxLength` bytes; throws an Error naming the fault. */
export function uncompressSnappyBlock(block: Uint8Array, maxLength: number): Uint8Array {
  const length = snappyDeclaredLength(block);
  if (length < 0) throw new Error("invalid length header");
  if (length > maxLength) throw new Error(`the uncompressed length of ${length} is too big, expect at most ${maxLength}`);
  uncompress ??= snappyUncompressor();
  return uncompress(block, length);
}
