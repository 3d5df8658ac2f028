import { existsSync } from "node:fs";
import fastifyStatic from "@fastify/static";
import { escapeHtml } from "./docs.routes.ts";
import type { HttpApp } from "./http-app.ts";
import type { QueryService } from "./query.service.ts";

/**
 * `/`: the console's built files when `console/dist` exists (with an index.html fallback for
 * client-side routes), otherwise a small status page in Vietnamese and English that says
 * only what is true: the city, how many devices and services are reporting, where the API is.
 */
export async function registerStatusPage(app: HttpApp, deps: { query: QueryService; consoleDir?: string }): Promise<void> {
  if (deps.consoleDir !== undefined && existsSync(deps.consoleDir)) {
    await app.register(fastifyStatic, { root: deps.consoleDir, wildcard: false });
    app.get("/*", { schema: { hide: true } }, (_req, reply) => reply.sendFile("index.html"));
    return;
  }
  app.get("/", { schema: { hide: true } }, async (_req, reply) => {
    const s = deps.query.status();
    const html = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>cityplane — ${escapeHtml(s.city.name.vi)}</title></head>
<body>
<h1>cityplane — ${escapeHtml(s.city.name.vi)} / <span lang="en">${escapeHtml(s.city.name.en)}</span></h1>
<p>Bảng điều khiển chưa được cài đặt; đây là trang trạng thái. <span lang="en">The console is not built yet; this is the status page.</span></p>
<table>
<tr><th>Thiết bị đang gửi dữ liệu / <span lang="en">Devices reporting</span></th><td id="devices">${s.devicesReporting} / ${s.devices}</td></tr>
<tr><th>Dịch vụ đang gửi dữ liệu / <span lang="en">Services reporting</span></th><td id="services">${s.servicesReporting} / ${s.services}</td></tr>
</table>
<ul>
<li><a href="/api/docs">Tài liệu API / <span lang="en">API documentation</span></a> (<a href="/api/docs/json">OpenAPI JSON</a>)</li>
<li><a href="/metrics">Số liệu của máy chủ / <span lang="en">Server metrics</span></a></li>
</ul>
</body></html>`;
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  });
}
