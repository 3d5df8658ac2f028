import type { HttpApp } from "./http-app.ts";

/**
 * The OpenAPI document generated from the route schemas (`/api/docs/json`) and a small page
 * pointing at it (`/api/docs`); the console generates its API types from the JSON.
 */
export function registerDocsRoutes(app: HttpApp): void {
  app.get("/api/docs/json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/api/docs", { schema: { hide: true } }, async (_req, reply) => {
    const doc = app.swagger() as { paths?: Record<string, Record<string, { summary?: string }>> };
    const rows = Object.entries(doc.paths ?? {})
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `<tr><td>${method.toUpperCase()}</td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? "")}</td></tr>`))
      .join("\n");
    return reply
      .type("text/html; charset=utf-8")
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cityplane API</title></head><body><h1>cityplane API</h1><p>OpenAPI 3 document: <a href="/api/docs/json">/api/docs/json</a></p><table>${rows}</table></body></html>`);
  });
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
