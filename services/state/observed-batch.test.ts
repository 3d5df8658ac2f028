import { describe, expect, it } from "vitest";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { readBatch, reportingOf } from "./observed-batch.ts";

const T0 = Date.parse("2026-03-02T03:00:00Z");
const ts = (name: string, labels: Record<string, string>, value: number): TimeSeries => ({ labels: { __name__: name, ...labels }, samples: [{ value, timestampMs: T0 }] });

describe("readBatch: the one pass over a batch also serves the reporting tracker and the sample count", () => {
  const series: TimeSeries[] = [
    ts("sysUpTime", { device: "r2" }, 1),
    ts("ifHCInOctets", { device: "r1", ifName: "Gi0/0" }, Number.NaN),
    ts("probe_success", { service: "portal" }, 1),
    ts("up", { device: "r2", service: "" }, 1),
    ts("probe_success", { service: "gis" }, 1),
    ts("up", { device: "r1", service: "portal" }, 1),
    { labels: { __name__: "x", device: "r3" }, samples: [] },
    { labels: { __name__: "y" }, samples: [{ value: 1, timestampMs: T0 }, { value: 2, timestampMs: T0 + 1 }] },
  ];

  it("notes each device and service once, in the order first seen (a series without samples still speaks for its device), and counts every sample, staleness markers included", () => {
    const b = readBatch(series, () => undefined);
    expect([...b.reporting]).toEqual(["device:r2", "device:r1", "service:portal", "service:gis", "device:r3"]);
    expect(b.samples).toBe(8);
  });

  it("notes the same entities as a caller reading only who is reporting", () => {
    expect([...reportingOf(series)]).toEqual([...readBatch(series, () => undefined).reporting]);
  });
});
