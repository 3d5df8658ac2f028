import { describe, expect, it } from "vitest";
import { CounterRates } from "./counter-rate.ts";

type Pass = { atMs: number; uptime?: number; value: number; bits?: 32 | 64 };

describe("counter → rate", () => {
  it.each<[string, Pass[], (number | undefined)[]]>([
    ["first pass has no rate", [{ atMs: 1_000, uptime: 100, value: 5 }], [undefined]],
    ["steady growth: delta over elapsed seconds", [{ atMs: 0 + 1, uptime: 100, value: 1_000 }, { atMs: 10_001, uptime: 1100, value: 6_000 }], [undefined, 500]],
    ["32-bit wrap past 2^32 is taken modulo 2^32 (RFC 2578 §7.1.6)", [{ atMs: 1, value: 2 ** 32 - 1_000 }, { atMs: 10_001, value: 1_000 }], [undefined, 200]],
    ["64-bit counter beyond 2^53 keeps a sane delta", [{ atMs: 1, value: 2 ** 40, bits: 64 }, { atMs: 2_001, value: 2 ** 40 + 2_000_000, bits: 64 }], [undefined, 1_000_000]],
    ["64-bit counter going back is a discontinuity, not a wrap", [{ atMs: 1, value: 9_000, bits: 64 }, { atMs: 10_001, value: 100, bits: 64 }, { atMs: 20_001, value: 1_100, bits: 64 }], [undefined, undefined, 100]],
    [
      "sysUpTime going back (device restart): no rate that pass, rates again after",
      [{ atMs: 1, uptime: 50_000, value: 2 ** 32 - 10 }, { atMs: 10_001, uptime: 300, value: 500 }, { atMs: 20_001, uptime: 1_300, value: 1_500 }],
      [undefined, undefined, 100],
    ],
    ["a pass at the same timestamp gives no rate", [{ atMs: 5_000, value: 1 }, { atMs: 5_000, value: 2 }], [undefined, undefined]],
  ])("%s", (_name, passes, expected) => {
    const rates = new CounterRates();
    const got = passes.map((p) => {
      const ok = rates.begin(p.atMs, p.uptime);
      const r = rates.rate("ifHCInOctets", "1", p.value, p.bits ?? 32);
      return ok ? r : undefined;
    });
    expect(got).toEqual(expected);
  });

  it("forgets interfaces that disappeared, so a returning one starts without a rate", () => {
    const rates = new CounterRates();
    rates.begin(1, 100);
    rates.rate("ifHCInOctets", "1", 10, 64);
    rates.rate("ifHCInOctets", "2", 10, 64);
    rates.end();
    rates.begin(10_001, 1_100);
    expect(rates.rate("ifHCInOctets", "1", 110, 64)).toBe(10);
    rates.end(); // interface 2 was not read this pass
    expect(rates.rows).toBe(1);
    rates.begin(20_001, 2_100);
    expect(rates.rate("ifHCInOctets", "1", 210, 64)).toBe(10);
    expect(rates.rate("ifHCInOctets", "2", 210, 64)).toBeUndefined();
  });

  it("a counter missing for one pass has no rate when it comes back (its base is two passes old)", () => {
    const rates = new CounterRates();
    rates.begin(1, 100);
    rates.rate("ifHCInOctets", "1", 10, 64);
    rates.rate("ifInErrors", "1", 5, 32);
    rates.end();
    rates.begin(10_001, 1_100);
    rates.rate("ifHCInOctets", "1", 110, 64);
    rates.end();
    rates.begin(20_001, 2_100);
    expect(rates.rate("ifInErrors", "1", 25, 32)).toBeUndefined();
    expect(rates.rate("ifHCInOctets", "1", 210, 64)).toBe(10);
  });

  it("keeps each of thousands of rows apart (numeric and text indexes, slots reused after removal)", () => {
    const rates = new CounterRates();
    const idx = (i: number) => (i % 2 === 0 ? String(i) : `0.26.43.60.77.${i}`);
    rates.begin(1, 100);
    for (let i = 0; i < 5_000; i++) rates.rate("c", idx(i), i, 64);
    rates.end();
    rates.begin(10_001, 1_100);
    const got: (number | undefined)[] = [];
    for (let i = 2_500; i < 7_500; i++) got.push(rates.rate("c", idx(i), i * 11, 64));
    rates.end();
    expect(rates.rows).toBe(5_000);
    expect(got.slice(0, 2_500)).toEqual(Array.from({ length: 2_500 }, (_, k) => (k + 2_500)));
    expect(got.slice(2_500).every((r) => r === undefined)).toBe(true);
    rates.begin(20_001, 2_100);
    expect(rates.rate("c", idx(100), 0, 64)).toBeUndefined();
    expect(rates.rate("c", idx(7_000), 7_000 * 21, 64)).toBe(7_000);
  });
});
