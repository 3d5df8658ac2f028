import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ApiError } from "./api-errors.ts";

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string };
}

function body(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * One place that turns errors into answers: coded ApiErrors as they are, schema failures as
 * 400 naming the parameter, Fastify's body errors as 4xx, the store's and ingest's overload
 * signals (matched by name: they live in other modules) as 429/503 with Retry-After, and
 * anything else as a 500 whose details go to the log, not to the client.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ApiError) {
      if (err.retryAfterSeconds !== undefined) void reply.header("retry-after", String(err.retryAfterSeconds));
      return reply.code(err.statusCode).send(body(err.code, err.message));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as { validationContext?: string }).validationContext ?? "request";
      const parts = err.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, "").replace(/\//g, ".");
        return `${path === "" ? where : `${where === "querystring" ? "" : `${where}.`}${path}`}: ${v.message ?? "invalid"}`;
      });
      return reply.code(400).send(body("invalid_parameter", parts.join("; ")));
    }
    switch (err.name) {
      case "InvalidBatchError":
        return reply.code(400).send(body("bad_batch", err.message));
      case "InvalidQueryError":
        return reply.code(400).send(body("invalid_parameter", err.message));
      case "OverloadedError":
        void reply.header("retry-after", String(retryAfter(err, 1)));
        return reply.code(429).send(body("overloaded", err.message));
      case "StoreUnavailableError":
        void reply.header("retry-after", String(retryAfter(err, 5)));
        return reply.code(503).send(body("unavailable", `the database is unavailable: ${err.message}`));
    }
    switch (err.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return reply.code(413).send(body("payload_too_large", "the request body is larger than this route accepts"));
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return reply.code(415).send(body("unsupported_media_type", `unsupported content-type ${String(request.headers["content-type"] ?? "(none)")}`));
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
        return reply.code(400).send(body("bad_request", "the JSON body is empty"));
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(body("bad_request", err.message));
    }
    request.log.error({ err }, "request failed");
    return reply.code(500).send(body("internal", "internal error (see the server log)"));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(body("not_found", `no route ${request.method} ${request.url.split("?")[0]}`)));
}

function retryAfter(err: unknown, fallback: number): number {
  const v = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof v === "number" && v > 0 ? Math.ceil(v) : fallback;
}
