import { describe, expect, it } from "vitest";
import { ObservedStateService } from "./observed-state.service.ts";

const s = (labels: Record<string, string>) => ({ labels: { __name__: "up", ...labels }, samples: [{ value: 1, timestampMs: 0 }] });

describe("ObservedStateService", () => {
  it("reports a device when its samples arrive, marks it silent after the timeout, and back when it speaks", () => {
    const o = new ObservedStateService(60_000);
    expect(o.of("device", "r1")).toEqual({ reporting: "never" });
    expect(o.observe([s({ device: "r1" }), s({ service: "portal" }), s({ other: "x" })], 1000).map((c) => `${c.entity.kind}:${c.entity.name}`)).toEqual(["device:r1", "service:portal"]);
    expect(o.observe([s({ device: "r1" })], 2000)).toEqual([]);
    expect(o.countReporting("device")).toBe(1);
    expect(o.sweep(50_000)).toEqual([]);
    o.observe([s({ service: "portal" })], 50_000);
    expect(o.sweep(70_000)).toEqual([{ entity: { kind: "device", name: "r1" }, reporting: "silent", atMs: 70_000 }]);
    expect(o.of("device", "r1")).toEqual({ reporting: "silent", lastSeenMs: 2000 });
    expect(o.countReporting("device")).toBe(0);
    expect(o.observe([s({ device: "r1" })], 80_000)).toEqual([{ entity: { kind: "device", name: "r1" }, reporting: "reporting", atMs: 80_000 }]);
  });
});
