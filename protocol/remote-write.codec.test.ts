import { describe, expect, it } from "vitest";
import snappy from "snappyjs";
import { decodeWriteRequest, encodeWriteRequest, groupSamples, RemoteWriteDecodeError, seriesKey } from "./remote-write.codec.ts";

const limits = { maxDecodedBytes: 1 << 20 };

describe("remote-write 1.0 codec", () => {
  it("round-trips samples grouped by series with 64-bit millisecond timestamps", () => {
    const ts = 1_763_700_000_123;
    const series = groupSamples([
      { name: "ifHCInOctets", labels: { ifName: "Gi0/0/1", device: "r1" }, value: 12345678901234, timestampMs: ts },
      { name: "ifHCInOctets", labels: { device: "r1", ifName: "Gi0/0/1" }, value: 12345678905000, timestampMs: ts + 60_000 },
      { name: "up", labels: {}, value: 1, timestampMs: ts },
    ]);
    expect(series).toHaveLength(2);
    const decoded = decodeWriteRequest(encodeWriteRequest(series), limits);
    expect(decoded).toEqual([
      { labels: { __name__: "ifHCInOctets", device: "r1", ifName: "Gi0/0/1" }, samples: [
        { value: 12345678901234, timestampMs: ts },
        { value: 12345678905000, timestampMs: ts + 60_000 },
      ] },
      { labels: { __name__: "up" }, samples: [{ value: 1, timestampMs: ts }] },
    ]);
  });

  it("keeps NaN stale markers and infinities", () => {
    const decoded = decodeWriteRequest(encodeWriteRequest([{ labels: { __name__: "x" }, samples: [{ value: NaN, timestampMs: 1 }, { value: Infinity, timestampMs: 2 }] }]), limits);
    expect(decoded[0]?.samples[0]?.value).toBeNaN();
    expect(decoded[0]?.samples[1]?.value).toBe(Infinity);
  });

  it.each([
    ["garbage that is not snappy", Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]), /invalid snappy block/],
    ["snappy of garbage protobuf", snappy.compress(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f])), /invalid protobuf WriteRequest/],
    ["a series without __name__", encodeWriteRequest([{ labels: { job: "x" }, samples: [] }]), /timeseries\[0\]: missing __name__ label/],
  ])("rejects %s with a reason", (_what, body, message) => {
    expect(() => decodeWriteRequest(body, limits)).toThrow(RemoteWriteDecodeError);
    expect(() => decodeWriteRequest(body, limits)).toThrow(message);
  });

  it("refuses a body that decompresses beyond the limit (a length bomb)", () => {
    const big = encodeWriteRequest([{ labels: { __name__: "x".repeat(5000) }, samples: [] }]);
    expect(() => decodeWriteRequest(big, { maxDecodedBytes: 1000 })).toThrow(/too big/);
  });

  it("names series canonically whatever the label order", () => {
    expect(seriesKey({ b: "2", __name__: "m", a: "1" })).toBe(seriesKey({ a: "1", b: "2", __name__: "m" }));
    expect(seriesKey({ __name__: "m", a: 'q"x' })).toBe('m{a="q\\"x"}');
  });
});
