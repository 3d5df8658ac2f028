import { describe, expect, it } from "vitest";
import { initialWatermarks, MAX_CLOSE_SPAN_MS, mergeRows, nextCloseStep, rollupOfPoints } from "./rollup-closer.ts";

const H = 3_600_000;
const M5 = 300_000;
const T0 = Date.UTC(2026, 10, 1);

describe("nextCloseStep", () => {
  const cases: [string, { fiveMinute: number; hourly: number }, number, ReturnType<typeof nextCloseStep>][] = [
    ["nothing closed yet", { fiveMinute: T0, hourly: T0 }, T0 + M5 - 1, undefined],
    ["one 5-minute bucket closed", { fiveMinute: T0, hourly: T0 }, T0 + M5 + 1, { from: T0, to: T0 + M5, hourFrom: T0, hourTo: T0 }],
    ["the hour closes with its last 5-minute bucket", { fiveMinute: T0 + H - M5, hourly: T0 }, T0 + H, { from: T0 + H - M5, to: T0 + H, hourFrom: T0, hourTo: T0 + H }],
    ["a long gap is closed in capped steps", { fiveMinute: T0, hourly: T0 }, T0 + 10 * 24 * H, { from: T0, to: T0 + MAX_CLOSE_SPAN_MS, hourFrom: T0, hourTo: T0 + MAX_CLOSE_SPAN_MS }],
    ["a clock behind the watermark closes nothing", { fiveMinute: T0 + H, hourly: T0 + H }, T0, undefined],
  ];
  it.each(cases)("%s", (_, wm, until, expected) => {
    expect(nextCloseStep(wm, until)).toEqual(expected);
  });

  it("starts at the buckets of the oldest sample", () => {
    expect(initialWatermarks(T0 + H + 7 * 60_000)).toEqual({ fiveMinute: T0 + H + M5, hourly: T0 + H });
  });
});

describe("rollup rows from raw points", () => {
  it("keeps min, max, sum, count and the newest value per bucket, and merges into coarser buckets", () => {
    const rows = rollupOfPoints([{ ts: T0, value: 5 }, { ts: T0 + 60_000, value: 1 }, { ts: T0 + M5, value: 9 }], M5);
    expect(rows).toEqual([
      { bucket: T0, min: 1, max: 5, sum: 6, count: 2, last: 1, last_ts: T0 + 60_000 },
      { bucket: T0 + M5, min: 9, max: 9, sum: 9, count: 1, last: 9, last_ts: T0 + M5 },
    ]);
    expect(mergeRows(rows, H)).toEqual([{ bucket: T0, min: 1, max: 9, sum: 15, count: 3, last: 9, last_ts: T0 + M5 }]);
  });
});
