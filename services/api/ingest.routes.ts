import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { eventBatchSchema } from "../../protocol/event.schema.ts";
import { RemoteWriteDecodeError, type TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { ControlPlaneMetrics } from "../metrics/control-plane.metrics.ts";
import { ApiError, BadRequestError, UnauthorizedError, UnsupportedMediaTypeError } from "./api-errors.ts";
import { bearerToken } from "./bearer-auth.ts";
import type { HttpApp } from "./http-app.ts";
import type { IngestPort } from "./ingest.port.ts";

export interface IngestRouteDeps {
  ingest: IngestPort;
  /** The agent a bearer token belongs to, or undefined. */
  agentOf(token: string | undefined): string | undefined;
  metrics: ControlPlaneMetrics;
  /** Called after a sample batch is committed (observed state, live updates). */
  afterSamples?(series: readonly TimeSeries[], agent: string): void;
  afterEvents?(events: readonly import("../../protocol/event.schema.ts").CityEvent[], agent: string): void;
  limits?: Partial<IngestLimits>;
}

export interface IngestLimits {
  /** Compressed remote-write body. */
  maxBodyBytes: number;
  /** Decoded protobuf (a snappy length bomb is refused before it is inflated). */
  maxDecodedBytes: number;
  maxEventBodyBytes: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = { maxBodyBytes: 4 * 1024 * 1024, maxDecodedBytes: 32 * 1024 * 1024, maxEventBodyBytes: 4 * 1024 * 1024 };

const writeResult = z.object({ inserted: z.number(), duplicates: z.number() });

/**
 * `POST /api/v1/ingest/remote-write` (Prometheus remote-write 1.0: protobuf + snappy) and
 * `POST /api/v1/ingest/events` (JSON), authenticated per agent. A batch is acknowledged only
 * after the store committed it; replays are harmless (the store is idempotent).
 */
export function registerIngestRoutes(app: HttpApp, deps: IngestRouteDeps): void {
  const limits = { ...DEFAULT_INGEST_LIMITS, ...deps.limits };

  const authenticate = (token: string | undefined, kind: string): string => {
    const agent = deps.agentOf(token);
    if (agent === undefined) {
      deps.metrics.ingestBatches.inc({ kind, result: "unauthorized" });
      throw new UnauthorizedError(token === undefined ? "an agent bearer token is required" : "unknown agent token");
    }
    return agent;
  };

  // Policy (future timestamps, label limits) and backpressure (429) belong to the ingest
  // service; this wrapper only counts outcomes by result.
  async function guarded<T>(kind: string, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      deps.metrics.ingestBatches.inc({ kind, result: "ok" });
      return out;
    } catch (err) {
      const name = (err as Error).name;
      const result = name === "StoreUnavailableError" ? "unavailable" : name === "OverloadedError" ? "overloaded" : name === "InvalidBatchError" || (err instanceof ApiError && err.statusCode < 500) ? "bad_request" : "error";
      deps.metrics.ingestBatches.inc({ kind, result });
      throw err;
    }
  }

  const bad = (kind: string, code: string, message: string): BadRequestError => {
    deps.metrics.ingestBatches.inc({ kind, result: "bad_request" });
    return new BadRequestError(code, message);
  };

  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(["application/x-protobuf", "application/octet-stream"], { parseAs: "buffer", bodyLimit: limits.maxBodyBytes }, (_req, body, done) => done(null, body));

    scope.post(
      "/api/v1/ingest/remote-write",
      {
        bodyLimit: limits.maxBodyBytes,
        schema: { summary: "Remote-write 1.0 samples (protobuf + snappy) from an agent", tags: ["ingest"], security: [{ bearer: [] }], response: { 204: z.null() } },
      },
      async (request, reply) => {
        const agent = authenticate(bearerToken(request), "samples");
        const encoding = String(request.headers["content-encoding"] ?? "").toLowerCase();
        if (encoding !== "snappy") {
          deps.metrics.ingestBatches.inc({ kind: "samples", result: "bad_request" });
          throw new UnsupportedMediaTypeError(`content-encoding must be snappy (remote-write 1.0), got "${encoding || "(none)"}"`);
        }
        if (!Buffer.isBuffer(request.body)) throw bad("samples", "bad_body", "body must be application/x-protobuf");
        let series: TimeSeries[];
        try {
          series = deps.ingest.decodeRemoteWrite(request.body, limits.maxDecodedBytes);
        } catch (err) {
          if (err instanceof RemoteWriteDecodeError || err instanceof Error) throw bad("samples", "bad_remote_write", `malformed remote-write body: ${err.message}`);
          throw err;
        }
        const report = await guarded("samples", () => deps.ingest.samples(series, agent));
        deps.metrics.ingestSamples.inc(series.reduce((n, s) => n + s.samples.length, 0));
        deps.metrics.ingestDuplicates.inc(report.duplicates);
        deps.afterSamples?.(series, agent);
        return reply.code(204).send(null);
      },
    );

    scope.post(
      "/api/v1/ingest/events",
      {
        bodyLimit: limits.maxEventBodyBytes,
        schema: { summary: "A batch of events (traps, syslog, config changes, topology) from an agent", tags: ["ingest"], security: [{ bearer: [] }], body: eventBatchSchema, response: { 200: writeResult } },
        // Authenticate before the body is validated, so an unknown token is a 401 whatever it sent.
        preValidation: async (request) => {
          authenticate(bearerToken(request), "events");
        },
      },
      async (request) => {
        const agent = authenticate(bearerToken(request), "events");
        const { events } = request.body;
        const report = await guarded("events", () => deps.ingest.events(events, agent));
        deps.metrics.ingestEvents.inc(events.length);
        deps.metrics.ingestDuplicates.inc(report.duplicates);
        deps.afterEvents?.(events, agent);
        return report;
      },
    );
  });
}
