import { describe, expect, it } from "vitest";
import { parseDuration, parseEntity, parseLabels, parseTime } from "./query-params.ts";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

describe("query parameters", () => {
  it.each([
    ["1795000000000", 1795000000000],
    ["2026-11-21T10:00:00Z", Date.UTC(2026, 10, 21, 10)],
    ["2026-11-21T17:00:00+07:00", Date.UTC(2026, 10, 21, 10)],
    ["now", NOW],
    ["now-1h", NOW - 3_600_000],
    ["now-90s", NOW - 90_000],
    ["yesterday", undefined],
    ["2026-13-45T00:00:00Z", undefined],
    ["now+1h", undefined],
  ])("time %s", (text, expected) => expect(parseTime(text, NOW)).toBe(expected));

  it.each([
    ["30", 30_000],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1.5m", 90_000],
    ["0", undefined],
    ["fast", undefined],
    ["-5s", undefined],
  ])("duration %s", (text, expected) => expect(parseDuration(text)).toBe(expected));

  it.each([
    ["device:dc-core-1", { kind: "device", name: "dc-core-1" }],
    ["interface:r1/Gi0/0/1", { kind: "interface", name: "r1/Gi0/0/1" }],
    ["router:r1", undefined],
    [":r1", undefined],
    ["device", undefined],
  ])("entity %s", (text, expected) => expect(parseEntity(text)).toEqual(expected));

  it.each([
    ["device=r1", { device: "r1" }],
    ["device=r1,ifName=Gi0/0/1", { device: "r1", ifName: "Gi0/0/1" }],
    ["device=", { device: "" }],
    ["1x=2", undefined],
    ["device", undefined],
  ])("labels %s", (text, expected) => expect(parseLabels(text)).toEqual(expected));
});
