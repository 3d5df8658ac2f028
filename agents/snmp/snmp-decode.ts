/**
 * Turns walked varbinds into exporter-style samples, as snmp_exporter does: the metric is the
 * longest configured OID prefix, the rest of the OID is the table index, lookups add labels
 * from sibling columns. Logic only (no I/O). Hot path: rows share one frozen label object
 * across all their columns, and values are converted without intermediate objects.
 */
import type { SnmpMetric, SnmpModule } from "./snmp-module.schema.ts";
import { ObjectType as SnmpType, type Varbind as NetSnmpVarbind } from "net-snmp";

/** One exported sample; `labels` may be shared between samples and must not be mutated. */
export interface SnmpSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
  metric: SnmpMetric;
  /** The OID index suffix (row identity, for counter state). */
  index: string;
  /** SMI type on the wire (Counter 65 is 32-bit, Counter64 70 is 64-bit). */
  wireType: number;
}

export interface DecodeResult {
  samples: SnmpSample[];
  /** Varbinds whose type does not fit their metric (malformed or unexpected): counted, skipped. */
  badVarbinds: number;
}

/** Reads an unsigned big-endian integer from a Counter64 Buffer (values above 2^53 lose precision, as in Prometheus). */
export function counter64ToNumber(buf: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < buf.length; i++) v = v * 256 + (buf[i] as number);
  return v;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `00:1a:2b:3c:4d:5e`, as snmp_exporter renders PhysAddress48. */
export function formatMac(buf: Uint8Array): string {
  let s = "";
  for (let i = 0; i < buf.length; i++) s += (i === 0 ? "" : ":") + HEX[buf[i] as number];
  return s;
}

function hexString(buf: Uint8Array): string {
  let s = "0x";
  for (let i = 0; i < buf.length; i++) s += HEX[buf[i] as number];
  return s;
}

/** Decodes DisplayString bytes; invalid UTF-8 falls back to hex like snmp_exporter. */
function displayString(value: unknown): string | undefined {
  if (typeof value === "string") return value; // OBJECT IDENTIFIER values arrive as text
  if (!(value instanceof Uint8Array)) return undefined;
  const s = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8");
  return s.includes("\uFFFD") ? hexString(value) : s;
}

/** IpAddress (RFC 2578 §7.1.5, 4 octets): net-snmp hands it over as dotted text; raw octets are accepted too. */
function ipAddress(value: unknown): string | undefined {
  if (typeof value === "string") return /^\d{1,3}(\.\d{1,3}){3}$/.test(value) ? value : undefined;
  return value instanceof Uint8Array && value.length === 4 ? `${value[0]}.${value[1]}.${value[2]}.${value[3]}` : undefined;
}

function numeric(vb: NetSnmpVarbind): number | undefined {
  switch (vb.type) {
    case SnmpType.Integer:
    case SnmpType.Counter:
    case SnmpType.Gauge:
    case SnmpType.TimeTicks:
      return typeof vb.value === "number" ? vb.value : undefined;
    case SnmpType.Counter64:
      return vb.value instanceof Uint8Array && vb.value.length <= 9 ? counter64ToNumber(vb.value) : typeof vb.value === "number" ? vb.value : undefined;
    default:
      return undefined;
  }
}

/** Decodes one index label from the sub-identifiers at `pos`; returns [text, next position] or undefined. */
function decodeIndex(type: string, ids: string[], pos: number): [string, number] | undefined {
  switch (type) {
    case "gauge":
      return pos < ids.length ? [ids[pos] as string, pos + 1] : undefined;
    case "PhysAddress48": {
      if (pos + 6 > ids.length) return undefined;
      const bytes = ids.slice(pos, pos + 6).map(Number);
      return bytes.every((b) => b >= 0 && b < 256) ? [formatMac(Uint8Array.from(bytes)), pos + 6] : undefined;
    }
    case "InetAddressIPv4":
      return pos + 4 <= ids.length ? [ids.slice(pos, pos + 4).join("."), pos + 4] : undefined;
    case "DisplayString": {
      // Variable-length string index: a length sub-identifier then the characters (RFC 2578 §7.7).
      const len = Number(ids[pos]);
      if (!Number.isInteger(len) || pos + 1 + len > ids.length) return undefined;
      return [String.fromCharCode(...ids.slice(pos + 1, pos + 1 + len).map(Number)), pos + 1 + len];
    }
    default:
      return undefined;
  }
}

/** Texts of the lookup columns seen in a poll: column OID → row index → text (or text per lookup type). */
type LookupTexts = Map<string, Map<string, string | Record<string, string | undefined> | undefined>>;

type Column = { metrics: SnmpMetric[]; lookup: boolean; lookupTypes: string[]; prefix: string };

/**
 * The control plane refuses a whole remote-write batch holding a label value over 1024
 * characters (its ingest limit), so one out-of-spec string (DisplayString is at most 255 octets,
 * RFC 2579; hex doubles it) would cost every sample shipped with it: such a text is left out.
 */
const MAX_LABEL_VALUE = 1024;

function bounded(text: string | undefined): string | undefined {
  return text !== undefined && text.length > MAX_LABEL_VALUE ? undefined : text;
}

/** A lookup column's value as text, per lookup type (snmp_exporter's lookup rendering); too long a text is left out. */
function lookupText(type: string, vb: NetSnmpVarbind): string | undefined {
  if (type === "gauge") return numeric(vb)?.toString();
  if (type === "PhysAddress48") return vb.value instanceof Uint8Array ? bounded(formatMac(vb.value)) : undefined;
  if (type === "OctetString") return vb.value instanceof Uint8Array ? bounded(hexString(vb.value)) : undefined;
  if (type === "IpAddr") return ipAddress(vb.value);
  return bounded(displayString(vb.value));
}

/**
 * A metric's value taken out of its varbind: a number for numeric types, the label text for
 * string types, undefined when the varbind does not fit the metric (or its text is too long).
 */
function metricValue(metric: SnmpMetric, vb: NetSnmpVarbind): number | string | undefined {
  switch (metric.type) {
    case "counter":
    case "gauge":
    case "EnumAsInfo":
    case "EnumAsStateSet":
      return numeric(vb);
    case "DisplayString":
      return bounded(displayString(vb.value));
    case "IpAddr":
      return ipAddress(vb.value);
    case "PhysAddress48":
      return vb.value instanceof Uint8Array ? bounded(formatMac(vb.value)) : undefined;
    case "OctetString":
      return vb.value instanceof Uint8Array ? bounded(hexString(vb.value)) : undefined;
  }
}

/**
 * One device's varbinds being decoded as they arrive (page by page): each varbind is reduced at
 * once to compact cells (metric, row index, number or text) and lookup texts, so nothing of the
 * varbinds (objects, OID strings, buffers) outlives its page. Samples are built in `finish`,
 * when every lookup is known; they come out in slot order (walk roots, then gets).
 */
export class DecodePass {
  /** Lookup column OID → row index → text (per lookup type when the column has several). */
  private readonly lookups: LookupTexts = new Map();
  /** Interned row indexes: the cells of one row share one string. */
  private readonly indexes = new Map<string, string>();
  private readonly slots: { metric: SnmpMetric[]; index: string[]; value: (number | string | undefined)[]; wireType: number[] }[] = [];

  constructor(
    private readonly decoder: SnmpDecoder,
    private readonly extra: Readonly<Record<string, string>>,
  ) {}

  /** Takes one page of varbinds (any order); `slot` orders the samples (e.g. the walk root's position). */
  add(varbinds: readonly NetSnmpVarbind[], slot = 0): void {
    while (this.slots.length <= slot) this.slots.push({ metric: [], index: [], value: [], wireType: [] });
    const cells = this.slots[slot] as DecodePass["slots"][number];
    let last: Column | undefined;
    for (const vb of varbinds) {
      if (vb.type >= SnmpType.NoSuchObject || vb.type === SnmpType.Null) continue;
      const oid = vb.oid;
      // Walk order groups varbinds by column: one map lookup per column change.
      if (last === undefined || oid.length <= last.prefix.length || oid.charCodeAt(last.prefix.length) !== 46 || !oid.startsWith(last.prefix)) last = this.decoder.column(oid);
      if (last === undefined) continue;
      const raw = oid.slice(last.prefix.length + 1);
      let index = this.indexes.get(raw);
      if (index === undefined) this.indexes.set(raw, (index = raw));
      if (last.lookup) {
        let texts = this.lookups.get(last.prefix);
        if (texts === undefined) this.lookups.set(last.prefix, (texts = new Map()));
        const types = last.lookupTypes;
        texts.set(index, types.length === 1 ? lookupText(types[0] as string, vb) : Object.fromEntries(types.map((t) => [t, lookupText(t, vb)])));
      }
      if (last.metrics.length === 0) continue;
      for (const metric of last.metrics) {
        cells.metric.push(metric);
        cells.index.push(index);
        cells.value.push(metricValue(metric, vb));
        cells.wireType.push(vb.type);
      }
    }
  }

  /** The samples of every page added. */
  finish(): DecodeResult {
    const samples: SnmpSample[] = [];
    const rowLabels = new Map<string, Readonly<Record<string, string>>>();
    let bad = 0;
    for (const cells of this.slots) {
      for (let i = 0; i < cells.metric.length; i++) {
        const metric = cells.metric[i] as SnmpMetric;
        const index = cells.index[i] as string;
        const value = cells.value[i];
        const labels = this.decoder.labelsFor(metric, index, this.lookups, rowLabels, this.extra);
        if (labels === undefined || value === undefined || !emit(metric, value, cells.wireType[i] as number, index, labels, samples)) bad++;
      }
    }
    return { samples, badVarbinds: bad };
  }
}

function emit(metric: SnmpMetric, value: number | string, wireType: number, index: string, labels: Readonly<Record<string, string>>, out: SnmpSample[]): boolean {
  if (typeof value === "string") {
    out.push({ name: metric.name, labels: { ...labels, [metric.name]: value }, value: 1, metric, index, wireType });
    return true;
  }
  switch (metric.type) {
    case "counter":
    case "gauge":
      out.push({ name: metric.name, labels, value, metric, index, wireType });
      return true;
    case "EnumAsInfo":
      out.push({ name: `${metric.name}_info`, labels: { ...labels, [metric.name]: metric.enumValues?.[String(value)] ?? String(value) }, value: 1, metric, index, wireType });
      return true;
    case "EnumAsStateSet":
      for (const [k, name] of Object.entries(metric.enumValues ?? {})) out.push({ name: metric.name, labels: { ...labels, [metric.name]: name }, value: Number(k) === value ? 1 : 0, metric, index, wireType });
      return true;
    default:
      return false;
  }
}

/** A decoder for a set of modules; reuse it across polls (it holds only immutable tables). */
export class SnmpDecoder {
  /** Column (or scalar) OID → metrics read from it; lookup-only columns map to an empty list. */
  private readonly columns = new Map<string, { metrics: SnmpMetric[]; lookup: boolean; lookupTypes: string[] }>();
  /** Per metric, the prefix of its row-label cache key (metrics of one table share it). */
  private readonly tableKeys = new Map<SnmpMetric, string>();
  /** Dot counts of the configured OIDs, deepest first: where a varbind's column can end. */
  private readonly depths: number[];

  constructor(modules: readonly Readonly<SnmpModule>[]) {
    const seen = new Set<string>();
    const column = (oid: string) => {
      let c = this.columns.get(oid);
      if (c === undefined) this.columns.set(oid, (c = { metrics: [], lookup: false, lookupTypes: [] }));
      return c;
    };
    for (const m of modules) {
      for (const metric of m.metrics) {
        const key = `${metric.name} ${metric.oid}`;
        if (seen.has(key)) continue; // sysUpTime is in several modules
        seen.add(key);
        column(metric.oid).metrics.push(metric);
        for (const l of metric.lookups) {
          const c = column(l.oid);
          c.lookup = true;
          if (!c.lookupTypes.includes(l.type)) c.lookupTypes.push(l.type);
        }
      }
    }
    this.depths = [...new Set([...this.columns.keys()].map((o) => o.split(".").length))].sort((a, b) => b - a);
  }

  /** Starts decoding one poll incrementally; `extra` labels go on every sample. */
  begin(extra: Readonly<Record<string, string>> = {}): DecodePass {
    return new DecodePass(this, extra);
  }

  /** Decodes varbinds (from walks and gets, any order) into samples; `extra` labels go on every sample. */
  decode(varbinds: readonly NetSnmpVarbind[], extra: Readonly<Record<string, string>> = {}): DecodeResult {
    const pass = this.begin(extra);
    pass.add(varbinds);
    return pass.finish();
  }

  /** The configured column (or scalar) a varbind's OID belongs to, with its OID prefix. */
  column(oid: string): Column | undefined {
    for (const depth of this.depths) {
      let end = -1;
      for (let n = 0; n < depth; n++) {
        end = oid.indexOf(".", end + 1);
        if (end < 0) break;
      }
      if (end < 0) continue; // the OID is not deeper than this column: it cannot be a row of it
      const prefix = oid.slice(0, end);
      const c = this.columns.get(prefix);
      if (c !== undefined) return { ...c, prefix };
    }
    return undefined;
  }

  /** The labels of a metric's row (shared by the row's samples), or undefined when the index does not decode. */
  labelsFor(metric: SnmpMetric, index: string, lookup: LookupTexts, cache: Map<string, Readonly<Record<string, string>>>, extra: Readonly<Record<string, string>>): Readonly<Record<string, string>> | undefined {
    if (metric.indexes.length === 0) return extra;
    // Columns of one table share indexes and lookups, hence the label object.
    let table = this.tableKeys.get(metric);
    if (table === undefined) this.tableKeys.set(metric, (table = `${metric.lookups.length > 0 ? (metric.lookups[0] as { oid: string }).oid : ""}|${metric.indexes.length}|`));
    const key = table + index;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const labels: Record<string, string> = { ...extra };
    const idsByLabel: Record<string, string> = {};
    const ids = index.split(".");
    let pos = 0;
    for (const ix of metric.indexes) {
      const start = pos;
      const decoded = decodeIndex(ix.type, ids, pos);
      if (decoded === undefined) return undefined;
      labels[ix.labelname] = decoded[0];
      pos = decoded[1];
      idsByLabel[ix.labelname] = ids.slice(start, pos).join(".");
    }
    if (pos !== ids.length) return undefined;
    for (const l of metric.lookups) {
      const parts = l.labels.map((n) => idsByLabel[n]);
      if (parts.some((p) => p === undefined)) continue;
      const found = lookup.get(l.oid)?.get(parts.length === 1 ? (parts[0] as string) : parts.join("."));
      const text = typeof found === "object" ? found[l.type] : found;
      if (text !== undefined) labels[l.labelname] = text;
    }
    Object.freeze(labels);
    cache.set(key, labels);
    return labels;
  }
}
