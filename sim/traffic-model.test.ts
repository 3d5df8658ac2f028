import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { counter32, counter64Buffer, octetsAt, peakPhase, utilisationAt, type TrafficProfile } from "./traffic-model.ts";

const profile = (base: number): TrafficProfile => ({ fullOctetsPerSecond: 1.25e9, base, diurnal: base * 0.6, phase: peakPhase(14, 7), wobble: base * 0.2, wobblePeriodSeconds: 600, wobblePhase: 1 });

describe("traffic model", () => {
  it("only grows, whatever the two instants (base > diurnal + wobble)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.5, noNaN: true }), fc.integer({ min: 1.7e9, max: 1.9e9 }), fc.integer({ min: 1, max: 86_400 * 30 }), (base, t, dt) => {
        const p = profile(base);
        expect(octetsAt(p, t + dt)).toBeGreaterThan(octetsAt(p, t));
      }),
    );
  });

  it("peaks in the early afternoon in Da Nang (UTC+7)", () => {
    const p = { ...profile(0.3), wobble: 0 };
    const day = Date.UTC(2026, 2, 2) / 1000;
    const at = (hLocal: number): number => utilisationAt(p, day + (hLocal - 7) * 3600);
    expect(at(14)).toBeGreaterThan(at(9));
    expect(at(14)).toBeGreaterThan(at(3));
    expect(at(14)).toBeCloseTo(0.3 * 1.6, 5);
  });

  it.each([
    [0n, "00"],
    [255n, "00ff"],
    [127n, "7f"],
    [2n ** 32n, "0100000000"],
    [2n ** 64n - 1n, "00ffffffffffffffff"],
  ])("encodes Counter64 %s as minimal octets %s", (v, hex) => {
    expect(counter64Buffer(v).toString("hex")).toBe(hex);
  });

  it.each([
    [2n ** 32n - 1n, 4294967295],
    [2n ** 32n, 0],
    [2n ** 32n * 5n + 7n, 7],
  ])("the 32-bit view of %s is %i (wraps)", (v, expected) => {
    expect(counter32(v)).toBe(expected);
  });
});
