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
      const r = rates.rate("ifHCInOctets\u00001", p.value, p.bits ?? 32);
      return ok ? r : undefined;
    });
    expect(got).toEqual(expected);
  });

  it("forgets interfaces that disappeared, so a returning one starts without a rate", () => {
    const rates = new CounterRates();
    rates.begin(1, 100);
    rates.rate("a", 10, 64);
    rates.rate("b", 10, 64);
    rates.retain(new Set(["a"]));
    rates.begin(10_001, 1_100);
    expect(rates.rate("a", 110, 64)).toBe(10);
    expect(rates.rate("b", 110, 64)).toBeUndefined();
  });
});
