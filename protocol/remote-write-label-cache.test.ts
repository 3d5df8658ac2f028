import protobuf from "protobufjs";
import snappy from "snappyjs";
import { describe, expect, it } from "vitest";
import { decodeWriteRequest, encodeWriteRequest, RemoteWriteLabelCache, type TimeSeries } from "./remote-write.codec.ts";

const limits = { maxDecodedBytes: 1 << 20 };

describe("remote-write decoding with a label cache", () => {
  const series = (round: number): TimeSeries[] => [
    { labels: { __name__: "ifHCInOctets", device: "hc-access-01", ifName: "Gi0/0/1" }, samples: [{ value: round * 10, timestampMs: 1_763_700_000_000 + round }] },
    { labels: { __name__: "up", job: "vi-Đà-Nẵng" }, samples: [{ value: 1, timestampMs: 1_763_700_000_000 + round }] },
  ];

  it("decodes exactly what the plain decoder does, sharing frozen label sets between batches", () => {
    const cache = new RemoteWriteLabelCache();
    const first = decodeWriteRequest(encodeWriteRequest(series(1)), { ...limits, labelCache: cache });
    const second = decodeWriteRequest(encodeWriteRequest(series(2)), { ...limits, labelCache: cache });
    expect(first).toEqual(decodeWriteRequest(encodeWriteRequest(series(1)), limits));
    expect(second).toEqual(series(2));
    expect(second[0]?.labels).toBe(first[0]?.labels);
    expect(Object.isFrozen(second[1]?.labels)).toBe(true);
  });

  it("decodes a series whose labels come after its samples, and still refuses duplicate labels", () => {
    const label = (w: protobuf.Writer, name: string, value: string): void => {
      w.uint32(10).fork().uint32(10).string(name).uint32(18).string(value).ldelim();
    };
    const body = (late: string[][]): Uint8Array => {
      const w = protobuf.Writer.create();
      w.uint32(10).fork();
      label(w, "__name__", "up");
      w.uint32(18).fork().uint32(9).double(1).uint32(16).int64(5).ldelim();
      for (const [n, v] of late) label(w, n as string, v as string);
      w.ldelim();
      return snappy.compress(w.finish());
    };
    const cache = new RemoteWriteLabelCache();
    decodeWriteRequest(encodeWriteRequest([{ labels: { __name__: "up" }, samples: [{ value: 1, timestampMs: 5 }] }]), { ...limits, labelCache: cache });
    expect(decodeWriteRequest(body([["job", "snmp"]]), { ...limits, labelCache: cache })).toEqual([{ labels: { __name__: "up", job: "snmp" }, samples: [{ value: 1, timestampMs: 5 }] }]);
    expect(() => decodeWriteRequest(body([["__name__", "x"]]), { ...limits, labelCache: cache })).toThrow(/duplicate label "__name__"/);
  });

  it("decodes the same as the plain decoder whatever order the series come in, and across senders", () => {
    const ifaces = (device: string, n: number): TimeSeries[] =>
      Array.from({ length: n }, (_, i) => ({ labels: { __name__: "ifHCInOctets", device, ifName: `Gi0/0/${i}` }, samples: [{ value: i, timestampMs: 1_763_700_000_000 }] }));
    const a = ifaces("hc-access-01", 6);
    const b = ifaces("hc-access-02", 4);
    const cache = new RemoteWriteLabelCache();
    const bodies = [a, b, a, [...a].reverse(), [...a.slice(0, 3), ...b.slice(1), ...a.slice(3)], b, [a[2] as TimeSeries, a[2] as TimeSeries], a];
    for (const series of bodies) {
      const body = encodeWriteRequest(series);
      expect(decodeWriteRequest(body, { ...limits, labelCache: cache })).toEqual(decodeWriteRequest(body, limits));
    }
  });

  it("does not take a known series for the next one when a label follows its samples", () => {
    const w = protobuf.Writer.create();
    const known = series(1);
    // The second series opens with the label bytes of the one that followed the first last time,
    // then has one more label after its sample.
    w.uint32(10).fork();
    for (const [n, v] of Object.entries(known[0]?.labels ?? {})) w.uint32(10).fork().uint32(10).string(n).uint32(18).string(v).ldelim();
    w.ldelim();
    w.uint32(10).fork();
    w.uint32(10).fork().uint32(10).string("__name__").uint32(18).string("up").ldelim();
    w.uint32(10).fork().uint32(10).string("job").uint32(18).string("vi-Đà-Nẵng").ldelim();
    w.uint32(18).fork().uint32(9).double(7).uint32(16).int64(9).ldelim();
    w.uint32(10).fork().uint32(10).string("zone").uint32(18).string("b").ldelim();
    w.ldelim();
    const cache = new RemoteWriteLabelCache();
    decodeWriteRequest(encodeWriteRequest(known), { ...limits, labelCache: cache });
    const decoded = decodeWriteRequest(snappy.compress(w.finish()), { ...limits, labelCache: cache });
    expect(decoded[1]).toEqual({ labels: { __name__: "up", job: "vi-Đà-Nẵng", zone: "b" }, samples: [{ value: 7, timestampMs: 9 }] });
    expect(decodeWriteRequest(encodeWriteRequest(series(3)), { ...limits, labelCache: cache })).toEqual(series(3));
  });

  it("keeps stale markers of cached series", () => {
    const cache = new RemoteWriteLabelCache();
    const stale: TimeSeries[] = [{ labels: { __name__: "up", job: "snmp" }, samples: [{ value: NaN, timestampMs: 5, stale: true }, { value: NaN, timestampMs: 6 }] }];
    decodeWriteRequest(encodeWriteRequest(stale), { ...limits, labelCache: cache });
    expect(decodeWriteRequest(encodeWriteRequest(stale), { ...limits, labelCache: cache })[0]?.samples).toEqual([{ value: NaN, timestampMs: 5, stale: true }, { value: NaN, timestampMs: 6 }]);
  });

  it("starts over when full", () => {
    const cache = new RemoteWriteLabelCache(1);
    const a = decodeWriteRequest(encodeWriteRequest(series(1)), { ...limits, labelCache: cache });
    const b = decodeWriteRequest(encodeWriteRequest(series(1)), { ...limits, labelCache: cache });
    expect(b).toEqual(a);
  });
});
