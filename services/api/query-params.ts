import { z } from "zod";
import type { EntityRef } from "../../protocol/event.schema.ts";
import { entityRefSchema } from "../../protocol/event.schema.ts";

/** Parses `1700000000000` (ms since the epoch), `2026-11-21T10:00:00Z` or `now-1h`. */
export function parseTime(value: string, nowMs: number): number | undefined {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const rel = /^now(?:-(\d+(?:\.\d+)?[smhdw]))?$/.exec(value);
  if (rel) return rel[1] === undefined ? nowMs : nowMs - parseDuration(rel[1])!;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `30` (seconds) or a Prometheus-style duration `30s`, `5m`, `1h`, `7d`, `1w` into ms. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhdw]?)$/.exec(value);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] || "s"] ?? 1000);
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Parses `kind:name`, e.g. `device:dc-core-1` or `interface:dc-core-1/Gi0/0/1`. */
export function parseEntity(value: string): EntityRef | undefined {
  const i = value.indexOf(":");
  if (i <= 0) return undefined;
  const parsed = entityRefSchema.safeParse({ kind: value.slice(0, i), name: value.slice(i + 1) });
  return parsed.success ? parsed.data : undefined;
}

/** Parses `k=v,k2=v2` into exact label matches. */
export function parseLabels(value: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of value.split(",")) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/.exec(part.trim());
    if (!m) return undefined;
    out[m[1]!] = m[2]!;
  }
  return out;
}

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "must be a Prometheus metric name");
const timeText = z.string().refine((v) => parseTime(v, 0) !== undefined, "must be ms since the epoch, an ISO 8601 time or now-<duration>");
const durationText = z.string().refine((v) => parseDuration(v) !== undefined, "must be seconds or a duration such as 30s, 5m, 1h");
const entityText = z.string().refine((v) => parseEntity(v) !== undefined, "must be kind:name with kind one of device, interface, link, hotspot, ssid, service, unit, site, agent");
const labelsText = z.string().refine((v) => parseLabels(v) !== undefined, "must be name=value pairs separated by commas");

/** `GET /api/v1/series` query string (raw text; the handler converts after validation). */
export const seriesQuerySchema = z.strictObject({
  metric: metricName.describe("metric name"),
  labels: labelsText.optional().describe("exact label matches: name=value,name=value"),
  entity: entityText.optional().describe("kind:name"),
  from: timeText.optional().describe("start (default now-1h)"),
  to: timeText.optional().describe("end (default now)"),
  step: durationText.optional().describe("resolution (default: range/240)"),
  agg: z.enum(["avg", "min", "max", "rate", "p95", "last"]).default("avg").describe("aggregation per step"),
});

export const latestQuerySchema = z.strictObject({
  metric: metricName,
  labels: labelsText.optional(),
  entity: entityText.optional(),
});

export const eventsQuerySchema = z.strictObject({
  kind: z.enum(["trap", "syslog", "config", "finding", "probe", "topology", "agent"]).optional(),
  security: z.enum(["true", "false"]).optional(),
  entity: entityText.optional(),
  from: timeText.optional(),
  to: timeText.optional(),
  limit: z.string().regex(/^\d{1,5}$/, "must be an integer 1..10000").refine((v) => Number(v) >= 1 && Number(v) <= 10_000, "must be an integer 1..10000").optional(),
});

/** At most this many points per series (Prometheus's own limit is 11,000). */
export const MAX_POINTS = 11_000;
