import { z } from "zod";
import type { HttpApp } from "./http-app.ts";

export interface HealthDeps {
  /** Cheap store round trip; throws when the database is unreachable. */
  ping(): Promise<void>;
}

/** `/healthz` (the process answers) and `/readyz` (the store answers too). */
export function registerHealthRoutes(app: HttpApp, deps: HealthDeps): void {
  app.get("/healthz", { schema: { hide: true, response: { 200: z.object({ status: z.literal("ok") }) } } }, async () => ({ status: "ok" as const }));
  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    try {
      await deps.ping();
      return { status: "ready", store: "ok" };
    } catch (err) {
      void reply.header("retry-after", "5");
      return reply.code(503).send({ status: "not ready", store: (err as Error).message });
    }
  });
}
