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

/** A decoder for a set of modules; reuse it across polls (it holds only immutable tables). */
export class SnmpDecoder {
  /** Column (or scalar) OID → metrics read from it; lookup-only columns map to an empty list. */
  private readonly columns = new Map<string, { metrics: SnmpMetric[]; lookup: boolean }>();
  /** Per metric, the prefix of its row-label cache key (metrics of one table share it). */
  private readonly tableKeys = new Map<SnmpMetric, string>();
  /** Dot counts of the configured OIDs, deepest first: where a varbind's column can end. */
  private readonly depths: number[];

  constructor(modules: readonly Readonly<SnmpModule>[]) {
    const seen = new Set<string>();
    const column = (oid: string) => {
      let c = this.columns.get(oid);
      if (c === undefined) this.columns.set(oid, (c = { metrics: [], lookup: false }));
      return c;
    };
    for (const m of modules) {
      for (const metric of m.metrics) {
        const key = `${metric.name} ${metric.oid}`;
        if (seen.has(key)) continue; // sysUpTime is in several modules
        seen.add(key);
        column(metric.oid).metrics.push(metric);
        for (const l of metric.lookups) column(l.oid).lookup = true;
      }
    }
    this.depths = [...new Set([...this.columns.keys()].map((o) => o.split(".").length))].sort((a, b) => b - a);
  }

  /** Decodes varbinds (from walks and gets, any order) into samples; `extra` labels go on every sample. */
  decode(varbinds: readonly NetSnmpVarbind[], extra: Readonly<Record<string, string>> = {}): DecodeResult {
    // Pass 1: find each varbind's column (walk order groups them, so one map lookup per column)
    // and index the lookup columns, which may come after the metrics that need them.
    const lookup = new Map<string, NetSnmpVarbind>();
    const cols: ({ metrics: SnmpMetric[]; lookup: boolean; prefix: string } | undefined)[] = new Array(varbinds.length);
    let last: { metrics: SnmpMetric[]; lookup: boolean; prefix: string } | undefined;
    for (let i = 0; i < varbinds.length; i++) {
      const vb = varbinds[i] as NetSnmpVarbind;
      if (vb.type >= SnmpType.NoSuchObject || vb.type === SnmpType.Null) continue;
      const oid = vb.oid;
      if (last === undefined || oid.length <= last.prefix.length || oid.charCodeAt(last.prefix.length) !== 46 || !oid.startsWith(last.prefix)) last = this.column(oid);
      if (last === undefined) continue;
      cols[i] = last;
      if (last.lookup) lookup.set(oid, vb);
    }
    // Pass 2: samples.
    const samples: SnmpSample[] = [];
    const rowLabels = new Map<string, Readonly<Record<string, string>>>();
    let bad = 0;
    for (let i = 0; i < varbinds.length; i++) {
      const col = cols[i];
      if (col === undefined || col.metrics.length === 0) continue;
      const vb = varbinds[i] as NetSnmpVarbind;
      const index = vb.oid.slice(col.prefix.length + 1);
      for (const metric of col.metrics) {
        const labels = this.labelsFor(metric, index, lookup, rowLabels, extra);
        if (labels === undefined || !this.emit(metric, vb, index, labels, samples)) bad++;
      }
    }
    return { samples, badVarbinds: bad };
  }

  private column(oid: string): { metrics: SnmpMetric[]; lookup: boolean; prefix: string } | undefined {
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

  private labelsFor(metric: SnmpMetric, index: string, lookup: Map<string, NetSnmpVarbind>, cache: Map<string, Readonly<Record<string, string>>>, extra: Readonly<Record<string, string>>): Readonly<Record<string, string>> | undefined {
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
      const vb = lookup.get(`${l.oid}.${parts.join(".")}`);
      if (vb === undefined) continue;
      let text: string | undefined;
      if (l.type === "gauge") text = numeric(vb)?.toString();
      else if (l.type === "PhysAddress48") text = vb.value instanceof Uint8Array ? formatMac(vb.value) : undefined;
      else if (l.type === "OctetString") text = vb.value instanceof Uint8Array ? hexString(vb.value) : undefined;
      else if (l.type === "IpAddr") text = ipAddress(vb.value);
      else text = displayString(vb.value);
      if (text !== undefined) labels[l.labelname] = text;
    }
    Object.freeze(labels);
    cache.set(key, labels);
    return labels;
  }

  private emit(metric: SnmpMetric, vb: NetSnmpVarbind, index: string, labels: Readonly<Record<string, string>>, out: SnmpSample[]): boolean {
    switch (metric.type) {
      case "counter":
      case "gauge": {
        const value = numeric(vb);
        if (value === undefined) return false;
        out.push({ name: metric.name, labels, value, metric, index, wireType: vb.type });
        return true;
      }
      case "DisplayString":
      case "PhysAddress48":
      case "OctetString":
      case "IpAddr": {
        const text = metric.type === "DisplayString" ? displayString(vb.value) : metric.type === "IpAddr" ? ipAddress(vb.value) : vb.value instanceof Uint8Array ? (metric.type === "PhysAddress48" ? formatMac(vb.value) : hexString(vb.value)) : undefined;
        if (text === undefined) return false;
        out.push({ name: metric.name, labels: { ...labels, [metric.name]: text }, value: 1, metric, index, wireType: vb.type });
        return true;
      }
      case "EnumAsInfo": {
        const value = numeric(vb);
        if (value === undefined) return false;
        out.push({ name: `${metric.name}_info`, labels: { ...labels, [metric.name]: metric.enumValues?.[String(value)] ?? String(value) }, value: 1, metric, index, wireType: vb.type });
        return true;
      }
      case "EnumAsStateSet": {
        const value = numeric(vb);
        if (value === undefined) return false;
        for (const [k, name] of Object.entries(metric.enumValues ?? {})) out.push({ name: metric.name, labels: { ...labels, [metric.name]: name }, value: Number(k) === value ? 1 : 0, metric, index, wireType: vb.type });
        return true;
      }
    }
  }
}
