import type { HttpApp } from "../api/http-app.ts";
import type { ControlPlaneMetrics } from "./control-plane.metrics.ts";

/** `/metrics` in the Prometheus text format, for the city's own Prometheus to scrape. */
export function registerMetricsRoutes(app: HttpApp, metrics: ControlPlaneMetrics): void {
  app.get("/metrics", { schema: { hide: true } }, async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
