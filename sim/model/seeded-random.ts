import { createHash } from "node:crypto";

/** A 32-bit hash of a seed and a key: stable across runs and platforms. */
export function hash32(seed: number, key: string): number {
  return createHash("sha256").update(`${seed}:${key}`).digest().readUInt32BE(0);
}

/** A number in [0, 1) fixed by the seed and the key (same seed, same city). */
export function unit(seed: number, key: string): number {
  return hash32(seed, key) / 2 ** 32;
}

/** A number in [min, max) fixed by the seed and the key. */
export function between(seed: number, key: string, min: number, max: number): number {
  return min + unit(seed, key) * (max - min);
}

/** mulberry32: a small, fast PRNG for sequences (noise, brute-force source addresses). */
export function prng(seed: number, key: string): () => number {
  let a = hash32(seed, key);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
