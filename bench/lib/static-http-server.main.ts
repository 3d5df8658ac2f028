/**
 * Entry of a child process that serves files with startStaticHttpServer, so the target's CPU
 * is charged to neither scraper in a comparison. Usage (through bin/run-ts.js):
 *   static-http-server.main.ts HOST '{"/path": {"file": "payload.txt", "contentType": "text/plain"}}'
 * Prints one line `{"port":N}` once listening, then `{"request":"/path"}` as each request
 * arrives (so a benchmark knows when each scrape starts); exits on SIGTERM/SIGINT.
 */
import { readFileSync } from "node:fs";
import { startStaticHttpServer, type StaticRoute } from "./static-http-server.ts";

const [host, spec] = process.argv.slice(2);
if (host === undefined || spec === undefined) {
  console.error("usage: static-http-server.main.ts HOST ROUTES_JSON");
  process.exit(2);
}
const files = JSON.parse(spec) as Record<string, { file: string; contentType: string }>;
const routes: Record<string, StaticRoute> = {};
for (const [path, r] of Object.entries(files)) routes[path] = { body: readFileSync(r.file), contentType: r.contentType };
const server = await startStaticHttpServer(host, routes, { onRequest: (path) => console.log(JSON.stringify({ request: path })) });
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void server.close().then(() => process.exit(0)));
console.log(JSON.stringify({ port: server.port }));
