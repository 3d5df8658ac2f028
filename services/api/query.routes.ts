import { z } from "zod";
import { NotFoundError } from "./api-errors.ts";
import type { ApiPrincipal } from "./bearer-auth.ts";
import { requirePrincipal } from "./bearer-auth.ts";
import type { HttpApp } from "./http-app.ts";
import { eventsQuerySchema, latestQuerySchema, parseDuration, parseEntity, parseLabels, parseTime, seriesQuerySchema } from "./query-params.ts";
import type { EntityKind, QueryService } from "./query.service.ts";

export interface QueryRouteDeps {
  query: QueryService;
  authenticate(token: string | undefined): ApiPrincipal | undefined;
  now(): number;
}

const point = z.object({ ts: z.number(), value: z.number().nullable() });
const seriesResult = z.object({ labels: z.record(z.string(), z.string()), resolution: z.enum(["raw", "5m", "1h"]), points: z.array(point) });
const latestValue = z.object({ labels: z.record(z.string(), z.string()), ts: z.number(), value: z.number().nullable() });
const entityKind = z.enum(["device", "interface", "service", "link", "hotspot"]);
const entityState = z.enum(["up", "down", "degraded", "unknown"]);
const observed = z.object({
  reporting: z.enum(["reporting", "silent", "never"]).describe("whether agents ship samples naming it (devices and services)"),
  lastSeenMs: z.number().optional(),
  state: entityState.describe("derived from what agents ship: SNMP poll outcome, ifOperStatus, AP status, probe results"),
  since: z.number().optional().describe("start of the current state, ms since the epoch; absent when never observed"),
  reason: z.string(),
});
const entityView = z.object({ kind: entityKind, name: z.string(), declared: z.record(z.string(), z.unknown()), observed });
const stateInterval = z.object({ entity: z.object({ kind: z.string(), name: z.string() }), state: entityState, startMs: z.number(), endMs: z.number().optional().describe("absent while open"), reason: z.string().optional() });
const secured = { security: [{ bearer: [] }] };

/** Read routes under `/api/v1`: series, latest, entities, topology, events. Admin session or agent token required. */
export function registerQueryRoutes(app: HttpApp, deps: QueryRouteDeps): void {
  const auth = { onRequest: async (request: Parameters<typeof requirePrincipal>[0]) => void requirePrincipal(request, deps.authenticate) };

  app.get("/api/v1/series", { ...auth, schema: { summary: "Range query by metric, labels or entity, with step and aggregation", tags: ["query"], ...secured, querystring: seriesQuerySchema, response: { 200: z.object({ series: z.array(seriesResult) }) } } }, async (request) => {
    const q = request.query;
    const now = deps.now();
    const toMs = q.to !== undefined ? parseTime(q.to, now)! : now;
    const fromMs = q.from !== undefined ? parseTime(q.from, now)! : toMs - 3_600_000;
    const series = await deps.query.series({
      metric: q.metric,
      labels: q.labels !== undefined ? parseLabels(q.labels) : undefined,
      entity: q.entity !== undefined ? parseEntity(q.entity) : undefined,
      fromMs,
      toMs,
      stepMs: q.step !== undefined ? parseDuration(q.step) : undefined,
      aggregation: q.agg,
    });
    return { series: series.map((s) => ({ ...s, points: s.points.map((p) => ({ ts: p.ts, value: Number.isFinite(p.value) ? p.value : null })) })) };
  });

  app.get("/api/v1/latest", { ...auth, schema: { summary: "Latest value of each matching series", tags: ["query"], ...secured, querystring: latestQuerySchema, response: { 200: z.object({ values: z.array(latestValue) }) } } }, async (request) => {
    const q = request.query;
    const values = await deps.query.latest({ metric: q.metric, labels: q.labels !== undefined ? parseLabels(q.labels) : undefined, entity: q.entity !== undefined ? parseEntity(q.entity) : undefined });
    return { values: values.map((v) => ({ ...v, value: Number.isFinite(v.value) ? v.value : null })) };
  });

  app.get("/api/v1/entities", { ...auth, schema: { summary: "Entities of a kind with declared and observed state", tags: ["entities"], ...secured, querystring: z.strictObject({ kind: entityKind.default("device") }), response: { 200: z.object({ entities: z.array(entityView) }) } } }, async (request) => {
    return { entities: deps.query.entities(request.query.kind as EntityKind) };
  });

  app.get("/api/v1/entities/:kind/:name", { ...auth, schema: { summary: "One entity with its state intervals of the last day", tags: ["entities"], ...secured, params: z.strictObject({ kind: entityKind, name: z.string().min(1).max(200) }), response: { 200: entityView.extend({ states: z.array(stateInterval) }) } } }, async (request) => {
    return deps.query.entity(request.params.kind, request.params.name, deps.now());
  });

  app.get("/api/v1/topology", { ...auth, schema: { summary: "Declared links vs LLDP-observed adjacencies", tags: ["entities"], ...secured } }, async () => deps.query.topology(deps.now()));

  app.get("/api/v1/events", { ...auth, schema: { summary: "Events, newest first", tags: ["events"], ...secured, querystring: eventsQuerySchema } }, async (request) => {
    const q = request.query;
    const now = deps.now();
    const entity = q.entity !== undefined ? parseEntity(q.entity) : undefined;
    if (q.entity !== undefined && !entity) throw new NotFoundError("entity");
    const events = await deps.query.events({
      kind: q.kind,
      security: q.security === undefined ? undefined : q.security === "true",
      entity,
      fromMs: q.from !== undefined ? parseTime(q.from, now) : undefined,
      toMs: q.to !== undefined ? parseTime(q.to, now) : undefined,
      limit: q.limit !== undefined ? Number(q.limit) : 500,
    });
    return { events };
  });
}
