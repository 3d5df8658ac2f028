import protobuf from "protobufjs";
import snappy from "snappyjs";

/**
 * Prometheus remote-write 1.0 (protobuf `prometheus.WriteRequest`, snappy block format).
 * The schema is the subset of prometheus/prompb/{remote,types}.proto that 1.0 senders use:
 * labels and samples (metadata and exemplars are optional in 1.0 and not sent).
 */
const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const WriteRequestType = root.lookupType("prometheus.WriteRequest");

/** One sample as the agents produce it and the control plane stores it. */
export interface Sample {
  /** Metric name (stored as the `__name__` label on the wire). */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestampMs: number;
}

/** One series with its samples, as in a remote-write TimeSeries. */
export interface TimeSeries {
  labels: Record<string, string>;
  samples: { value: number; timestampMs: number }[];
}

export class RemoteWriteDecodeError extends Error {
  override name = "RemoteWriteDecodeError";
}

/** The headers a remote-write 1.0 sender must set (remote-write spec, "Protocol"). */
export const REMOTE_WRITE_HEADERS = Object.freeze({
  "content-type": "application/x-protobuf",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "0.1.0",
});

/** Groups samples by series (labels include `__name__`, sorted by name as the spec requires). */
export function groupSamples(samples: readonly Sample[]): TimeSeries[] {
  const bySeries = new Map<string, TimeSeries>();
  for (const s of samples) {
    const labels: Record<string, string> = { __name__: s.name };
    for (const key of Object.keys(s.labels).sort()) labels[key] = s.labels[key] as string;
    const key = seriesKey(labels);
    let ts = bySeries.get(key);
    if (!ts) {
      ts = { labels, samples: [] };
      bySeries.set(key, ts);
    }
    ts.samples.push({ value: s.value, timestampMs: s.timestampMs });
  }
  return [...bySeries.values()];
}

/** Canonical series identity: `name{a="1",b="2"}` with labels sorted. */
export function seriesKey(labels: Record<string, string>): string {
  const name = labels.__name__ ?? "";
  const parts: string[] = [];
  for (const key of Object.keys(labels).sort()) {
    if (key === "__name__") continue;
    parts.push(`${key}=${JSON.stringify(labels[key])}`);
  }
  return `${name}{${parts.join(",")}}`;
}

/** Encodes series into a snappy-compressed WriteRequest body. */
export function encodeWriteRequest(series: readonly TimeSeries[]): Uint8Array {
  const message = WriteRequestType.fromObject({
    timeseries: series.map((ts) => ({
      labels: Object.entries(ts.labels)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => ({ name, value })),
      samples: ts.samples.map((s) => ({ value: s.value, timestamp: s.timestampMs })),
    })),
  });
  const raw = WriteRequestType.encode(message).finish();
  return snappy.compress(raw);
}

/** Decodes a snappy-compressed WriteRequest body; throws RemoteWriteDecodeError naming the fault. */
export function decodeWriteRequest(body: Uint8Array, limits: { maxDecodedBytes: number }): TimeSeries[] {
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, limits.maxDecodedBytes);
  } catch (err) {
    throw new RemoteWriteDecodeError(`invalid snappy block: ${(err as Error).message}`);
  }
  let decoded: protobuf.Message;
  try {
    decoded = WriteRequestType.decode(raw);
  } catch (err) {
    throw new RemoteWriteDecodeError(`invalid protobuf WriteRequest: ${(err as Error).message}`);
  }
  const obj = WriteRequestType.toObject(decoded, { longs: Number, defaults: true }) as {
    timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
  };
  return obj.timeseries.map((ts, i) => {
    const labels: Record<string, string> = {};
    for (const l of ts.labels) {
      if (!l.name) throw new RemoteWriteDecodeError(`timeseries[${i}]: empty label name`);
      if (l.name in labels) throw new RemoteWriteDecodeError(`timeseries[${i}]: duplicate label "${l.name}"`);
      labels[l.name] = l.value;
    }
    if (!labels.__name__) throw new RemoteWriteDecodeError(`timeseries[${i}]: missing __name__ label`);
    return { labels, samples: ts.samples.map((s) => ({ value: s.value, timestampMs: s.timestamp })) };
  });
}
