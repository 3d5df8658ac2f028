import snappy from "snappyjs";
import { describe, expect, it } from "vitest";
import { snappyDeclaredLength, uncompressSnappyBlock } from "./snappy-block.ts";

/** Deterministic bytes: a small linear congruential generator. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe("snappy block decompression", () => {
  const text = Buffer.from(Array.from({ length: 400 }, (_, i) => `ifHCInOctets{device="hc-access-${i % 30}",ifName="Gi0/0/${i}"} ${i * 1000}\n`).join(""));
  const next = random(7);
  const noise = Uint8Array.from({ length: 70_000 }, () => Math.floor(next() * 256));

  it.each([
    ["empty", new Uint8Array(0)],
    ["repetitive text (long back-references)", text],
    ["incompressible bytes (long literals)", noise],
  ])("gives back exactly what snappyjs compressed: %s", (_what, data) => {
    expect(Buffer.compare(Buffer.from(uncompressSnappyBlock(snappy.compress(data), 1 << 20)), data)).toBe(0);
  });

  it("refuses a block that ends short of its declared length, or runs on past it", () => {
    const block = snappy.compress(text);
    expect(() => uncompressSnappyBlock(block.subarray(0, block.length - 10), 1 << 20)).toThrow(Error);
    expect(() => uncompressSnappyBlock(Uint8Array.from([...block, 0]), 1 << 20)).toThrow(Error);
    // snappyjs pads this one with zeros up to the declared length.
    const longer = Uint8Array.from(block);
    longer[0] = (longer[0] as number) + 5;
    expect(() => uncompressSnappyBlock(longer, 1 << 20)).toThrow(Error);
  });

  it("checks the declared length against the limit before decompressing", () => {
    expect(snappyDeclaredLength(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe(0xffffffff);
    expect(() => uncompressSnappyBlock(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 1 << 20)).toThrow(/uncompressed length of 4294967295 is too big, expect at most 1048576/);
    expect(() => uncompressSnappyBlock(new Uint8Array(0), 1 << 20)).toThrow(/invalid length header/);
    expect(() => uncompressSnappyBlock(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 1 << 20)).toThrow(/invalid length header/);
  });

  it("on corrupted blocks either throws an Error or gives what snappyjs gives", () => {
    const block = snappy.compress(text);
    const rnd = random(11);
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const bad = Uint8Array.from(block);
      for (let j = 0; j < 3; j++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
      let ours: Uint8Array | undefined;
      try {
        ours = uncompressSnappyBlock(bad, 1 << 20);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
        refused++;
        continue;
      }
      expect(Buffer.compare(Buffer.from(ours), Buffer.from(snappy.uncompress(bad, 1 << 20)))).toBe(0);
    }
    expect(refused).toBeGreaterThan(500);
  });
});
