import protobuf from "protobufjs";
import snappy from "snappyjs";
import { uncompressSnappyBlock } from "./snappy-block.ts";

/**
 * Prometheus remote-write 1.0 (protobuf `prometheus.WriteRequest`, snappy block format).
 * The schema is the subset of prometheus/prompb/{remote,types}.proto that 1.0 senders use:
 * labels and samples (metadata and exemplars are optional in 1.0 and not sent).
 */
/*
 * Field numbers of prometheus/prompb/{remote,types}.proto used by remote-write 1.0 senders
 * (metadata and exemplars are optional in 1.0 and not sent):
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 * The messages are read and written with protobufjs's Reader/Writer rather than reflection:
 * it is several times faster on the ingest hot path, and it keeps the exact bit pattern of
 * Prometheus's staleness marker, which a JavaScript NaN value cannot carry.
 */
const TAG_TIMESERIES = (1 << 3) | 2;
const TAG_LABEL = (1 << 3) | 2;
const TAG_SAMPLE = (2 << 3) | 2;
const TAG_NAME = (1 << 3) | 2;
const TAG_VALUE_STRING = (2 << 3) | 2;
const TAG_VALUE_DOUBLE = (1 << 3) | 1;
const TAG_TIMESTAMP = (2 << 3) | 0;

/** Prometheus's staleness marker: a NaN with this exact payload (model/value/StaleNaN). */
export const STALE_NAN_BITS = { high: 0x7ff00000, low: 0x00000002 } as const;

/** One sample as the agents produce it and the control plane stores it. */
export interface Sample {
  /** Metric name (stored as the `__name__` label on the wire). */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestampMs: number;
  /** A staleness marker: the series ended (value is NaN, sent with the StaleNaN bit pattern). */
  stale?: boolean;
}

/** One series with its samples, as in a remote-write TimeSeries. */
export interface TimeSeries {
  labels: Record<string, string>;
  samples: { value: number; timestampMs: number; stale?: boolean }[];
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
    ts.samples.push(s.stale ? { value: NaN, timestampMs: s.timestampMs, stale: true } : { value: s.value, timestampMs: s.timestampMs });
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
  const w = protobuf.Writer.create();
  for (const ts of series) {
    w.uint32(TAG_TIMESERIES).fork();
    // The spec requires labels sorted by name.
    for (const name of Object.keys(ts.labels).sort()) {
      w.uint32(TAG_LABEL).fork().uint32(TAG_NAME).string(name).uint32(TAG_VALUE_STRING).string(ts.labels[name] as string).ldelim();
    }
    for (const s of ts.samples) {
      w.uint32(TAG_SAMPLE).fork();
      if (s.stale) w.uint32(TAG_VALUE_DOUBLE).fixed64(new protobuf.util.LongBits(STALE_NAN_BITS.low, STALE_NAN_BITS.high).toLong(true));
      else w.uint32(TAG_VALUE_DOUBLE).double(s.value);
      w.uint32(TAG_TIMESTAMP).int64(s.timestampMs).ldelim();
    }
    w.ldelim();
  }
  return snappy.compress(w.finish());
}

/** One remembered label set: its wire bytes and frozen labels, and the set that came next last time. */
interface LabelEntry {
  readonly bytes: Buffer;
  readonly labels: Readonly<Record<string, string>>;
  readonly generation: number;
  /** The label set of the series that followed this one in the last body that had it. */
  next: LabelEntry | undefined;
}

/**
 * Label sets seen before, keyed by their wire bytes. An agent sends the same series every
 * interval, and decoding ten label strings per series is most of the decoder's time and
 * garbage; with a cache a known series costs one comparison of its label bytes. Cached label
 * objects are frozen and shared between decoded batches: treat them as read-only.
 *
 * A sender also sends its series in the same order every interval, so each entry remembers
 * which one followed it: the next series is first compared with that guess alone (one native
 * byte comparison), and only a miss hashes the bytes to look them up.
 */
export class RemoteWriteLabelCache {
  // Keyed by a hash of the bytes, checked against a copy of them: hashing in place avoids
  // making a key string per series, which costs more than the lookup it serves.
  private readonly map = new Map<number, LabelEntry[]>();
  private size = 0;
  /** Bumped when the cache starts over, so guesses from before are not followed. */
  private generation = 0;
  /** Forgets everything when it reaches `maxEntries` (series churn must not grow it forever). */
  constructor(private readonly maxEntries = 500_000) {}

  /**
   * @internal The entry that followed `previous` last time, if `raw` holds its bytes at `from`
   * as the whole leading run of labels of a series ending at `end`.
   */
  successor(previous: LabelEntry | undefined, raw: Buffer, from: number, end: number): LabelEntry | undefined {
    const guess = previous?.next;
    if (guess === undefined || guess.generation !== this.generation) return undefined;
    const to = from + guess.bytes.length;
    if (to > end || (to < end && raw[to] === TAG_LABEL)) return undefined;
    return raw.compare(guess.bytes, 0, guess.bytes.length, from, to) === 0 ? guess : undefined;
  }

  /** @internal The entry for the label bytes `raw[from, to)`, if seen before; it becomes `previous`'s successor. */
  find(raw: Buffer, from: number, to: number, previous: LabelEntry | undefined): LabelEntry | undefined {
    const bucket = this.map.get(fnv1a(raw, from, to));
    if (!bucket) return undefined;
    for (const e of bucket) {
      if (e.bytes.length === to - from && raw.compare(e.bytes, 0, e.bytes.length, from, to) === 0) {
        if (previous) previous.next = e;
        return e;
      }
    }
    return undefined;
  }

  /** @internal Remembers (and freezes) the labels encoded in `raw[from, to)` as `previous`'s successor. */
  add(raw: Buffer, from: number, to: number, labels: Record<string, string>, previous: LabelEntry | undefined): LabelEntry {
    if (this.size >= this.maxEntries) {
      this.map.clear();
      this.size = 0;
      this.generation++;
    }
    const hash = fnv1a(raw, from, to);
    const entry: LabelEntry = { bytes: Buffer.from(raw.subarray(from, to)), labels: Object.freeze(labels), generation: this.generation, next: undefined };
    const bucket = this.map.get(hash);
    if (bucket) bucket.push(entry);
    else this.map.set(hash, [entry]);
    this.size++;
    if (previous) previous.next = entry;
    return entry;
  }
}

/**
 * An int64 varint as a number. Millisecond timestamps fit in 7 varint bytes (< 2^49), read here
 * without the two objects protobufjs's Long path allocates per sample; longer ones (negative
 * values use all 10 bytes) take that exact path.
 */
function readTimestamp(r: protobuf.Reader): number {
  const start = r.pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7 && r.pos < r.len; i++) {
    const b = r.buf[r.pos++] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
  r.pos = start;
  return protobuf.util.LongBits.from(r.int64()).toNumber(false);
}

/** 32-bit FNV-1a of a byte range. */
function fnv1a(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

/** Decodes a snappy-compressed WriteRequest body; throws RemoteWriteDecodeError naming the fault. */
export function decodeWriteRequest(body: Uint8Array, limits: { maxDecodedBytes: number; labelCache?: RemoteWriteLabelCache }): TimeSeries[] {
  let raw: Uint8Array;
  try {
    raw = uncompressSnappyBlock(body, limits.maxDecodedBytes);
  } catch (err) {
    throw new RemoteWriteDecodeError(`invalid snappy block: ${(err as Error).message}`);
  }
  try {
    return new WriteRequestDecoder(raw, limits.labelCache).read();
  } catch (err) {
    if (err instanceof RemoteWriteDecodeError) throw err;
    throw new RemoteWriteDecodeError(`invalid protobuf WriteRequest: ${(err as Error).message}`);
  }
}

/** One pass over a decompressed WriteRequest. */
class WriteRequestDecoder {
  private readonly r: protobuf.Reader;
  /** The same bytes as a Buffer, for the label cache's native comparisons. */
  private readonly raw: Buffer;
  private readonly view: DataView;
  /** The cached label set of the series just read, if any (the cache's guess for the next one). */
  private previous: LabelEntry | undefined;

  constructor(bytes: Uint8Array, private readonly cache: RemoteWriteLabelCache | undefined) {
    // A plain Uint8Array reader: protobufjs's JavaScript UTF-8 decoding of short label strings
    // is faster than the native call its Buffer reader makes per string.
    this.r = protobuf.Reader.create(Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes);
    this.raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  read(): TimeSeries[] {
    const r = this.r;
    const out: TimeSeries[] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === TAG_TIMESERIES) {
        const end = r.uint32() + r.pos;
        if (end > r.len) throw new RemoteWriteDecodeError(`invalid protobuf WriteRequest: timeseries[${out.length}] runs past the end of the body`);
        out.push(this.timeSeries(end, out.length, this.cache));
      } else r.skipType(tag & 7);
    }
    return out;
  }

  /** The end of the run of labels that opens a series (senders put labels first, in prompb's field order). */
  private labelRunEnd(end: number): number {
    const r = this.r;
    while (r.pos < end) {
      const before = r.pos;
      if (r.uint32() !== TAG_LABEL) {
        r.pos = before;
        break;
      }
      const length = r.uint32();
      r.pos += length;
    }
    return r.pos;
  }

  private timeSeries(end: number, index: number, cache: RemoteWriteLabelCache | undefined): TimeSeries {
    const r = this.r;
    const start = r.pos;
    let entry: LabelEntry | undefined;
    let keyEnd = -1;
    if (cache) {
      entry = cache.successor(this.previous, this.raw, start, end);
      if (entry) r.pos = start + entry.bytes.length;
      else {
        keyEnd = this.labelRunEnd(end);
        if (keyEnd > end) throw new RemoteWriteDecodeError(`timeseries[${index}]: length runs past its message`);
        entry = cache.find(this.raw, start, keyEnd, this.previous);
        if (!entry) r.pos = start;
      }
    }
    const labels: Record<string, string> = entry ? (entry.labels as Record<string, string>) : {};
    let labelsLeading = true;
    // Made on the first sample as a one-element literal: a first push into [] reserves room
    // for more than a dozen, and a body from an agent carries one sample per series.
    let samples: TimeSeries["samples"] | undefined;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === TAG_LABEL) {
        if (entry) {
          // A label after the samples: this message is not the cached shape; decode it plainly.
          r.pos = start;
          this.previous = undefined;
          return this.timeSeries(end, index, undefined);
        }
        if (!labelsLeading) keyEnd = -1;
        this.label(labels, index);
      } else if (tag === TAG_SAMPLE) {
        labelsLeading = false;
        const sample = this.sample(index);
        if (samples) samples.push(sample);
        else samples = [sample];
      } else {
        labelsLeading = false;
        r.skipType(tag & 7);
      }
    }
    if (r.pos !== end) throw new RemoteWriteDecodeError(`timeseries[${index}]: length runs past its message`);
    if (!labels.__name__) throw new RemoteWriteDecodeError(`timeseries[${index}]: missing __name__ label`);
    if (cache) {
      if (!entry && keyEnd >= 0) entry = cache.add(this.raw, start, keyEnd, labels, this.previous);
      this.previous = entry;
      if (entry) return { labels: entry.labels as Record<string, string>, samples: samples ?? [] };
    }
    return { labels, samples: samples ?? [] };
  }

  private label(labels: Record<string, string>, index: number): void {
    const r = this.r;
    const labelEnd = r.uint32() + r.pos;
    let name = "";
    let value = "";
    while (r.pos < labelEnd) {
      const t = r.uint32();
      if (t === TAG_NAME) name = r.string();
      else if (t === TAG_VALUE_STRING) value = r.string();
      else r.skipType(t & 7);
    }
    if (r.pos !== labelEnd) throw new RemoteWriteDecodeError(`timeseries[${index}]: a label runs past its message`);
    if (!name) throw new RemoteWriteDecodeError(`timeseries[${index}]: empty label name`);
    if (name in labels) throw new RemoteWriteDecodeError(`timeseries[${index}]: duplicate label "${name}"`);
    labels[name] = value;
  }

  private sample(index: number): TimeSeries["samples"][number] {
    const r = this.r;
    const sampleEnd = r.uint32() + r.pos;
    let value = 0;
    let timestampMs = 0;
    let stale = false;
    while (r.pos < sampleEnd) {
      const t = r.uint32();
      if (t === TAG_VALUE_DOUBLE) {
        const at = r.pos;
        if (at + 8 > sampleEnd) throw new RemoteWriteDecodeError(`timeseries[${index}]: a sample value runs past its message`);
        // Read in place: the exact bits tell Prometheus's staleness marker from any other NaN.
        stale = this.view.getUint32(at + 4, true) === STALE_NAN_BITS.high && this.view.getUint32(at, true) === STALE_NAN_BITS.low;
        value = this.view.getFloat64(at, true);
        r.pos = at + 8;
      } else if (t === TAG_TIMESTAMP) {
        timestampMs = readTimestamp(r);
      } else r.skipType(t & 7);
    }
    if (r.pos !== sampleEnd) throw new RemoteWriteDecodeError(`timeseries[${index}]: a sample runs past its message`);
    return stale ? { value: NaN, timestampMs, stale: true } : { value, timestampMs };
  }
}
