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

describe("remote-write staleness and interoperability", () => {
  it("sends the StaleNaN bit pattern (0x7ff0000000000002) and reads it back as a stale marker", () => {
    const body = encodeWriteRequest(groupSamples([{ name: "ifHCInOctets", labels: {}, value: NaN, timestampMs: 5, stale: true }]));
    const raw = snappy.uncompress(body);
    // value field (tag 0x09) followed by the 8 little-endian bytes of the marker.
    const at = Buffer.from(raw).indexOf(Buffer.from([0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]));
    expect(at).toBeGreaterThan(0);
    const decoded = decodeWriteRequest(body, limits);
    expect(decoded[0]?.samples[0]).toEqual({ value: NaN, timestampMs: 5, stale: true });
  });

  it("tells an ordinary NaN from a stale marker", () => {
    const decoded = decodeWriteRequest(encodeWriteRequest([{ labels: { __name__: "g" }, samples: [{ value: NaN, timestampMs: 1 }] }]), limits);
    expect(decoded[0]?.samples[0]?.stale).toBeUndefined();
  });

  it("decodes what protobufjs's reflection encoder writes from prompb's schema (an independent encoder)", async () => {
    const protobuf = (await import("protobufjs")).default;
    const root = protobuf.parse(`syntax = "proto3"; package prometheus;
      message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; reserved 3; }
      message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; }
      message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
      message Label { string name = 1; string value = 2; }
      message Sample { double value = 1; int64 timestamp = 2; }`, { keepCase: true }).root;
    const T = root.lookupType("prometheus.WriteRequest");
    const raw = T.encode(T.fromObject({ timeseries: [{
      labels: [{ name: "__name__", value: "up" }, { name: "job", value: "vi-Đà-Nẵng" }],
      samples: [{ value: 1, timestamp: 1_763_700_000_000 }, { value: -2.5, timestamp: -1 }],
      exemplars: [{ labels: [{ name: "trace_id", value: "abc" }], value: 1, timestamp: 3 }],
    }] })).finish();
    expect(decodeWriteRequest(snappy.compress(raw), limits)).toEqual([{ labels: { __name__: "up", job: "vi-Đà-Nẵng" }, samples: [{ value: 1, timestampMs: 1_763_700_000_000 }, { value: -2.5, timestampMs: -1 }] }]);
  });

  it("names a sample whose value is cut short inside its series", async () => {
    const protobuf = (await import("protobufjs")).default;
    // Sample message of 5 bytes: the value tag and only 4 of its 8 bytes.
    const w = protobuf.Writer.create();
    w.uint32(10).fork().uint32(10).fork().uint32(10).string("__name__").uint32(18).string("up").ldelim();
    w.uint32(18).uint32(5).uint32(9).fixed32(0);
    w.uint32(18).fork().uint32(9).double(1).uint32(16).int64(5).ldelim().ldelim();
    expect(() => decodeWriteRequest(snappy.compress(w.finish()), limits)).toThrow(/timeseries\[0\]: a sample value runs past its message/);
  });

  it("rejects a series whose length runs past the body", () => {
    const good = snappy.uncompress(encodeWriteRequest([{ labels: { __name__: "x" }, samples: [{ value: 1, timestampMs: 1 }] }]));
    const truncated = good.slice(0, good.length - 3);
    expect(() => decodeWriteRequest(snappy.compress(truncated), limits)).toThrow(RemoteWriteDecodeError);
  });
});
