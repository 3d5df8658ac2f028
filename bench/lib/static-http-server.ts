/**
 * A node:http server that answers fixed payloads on fixed paths, the scrape target of
 * benchmarks. Bodies are held in memory and sent as they are (no compression), so every
 * scraper that fetches a path receives the very same bytes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One payload the server answers with. */
export interface StaticRoute {
  body: Buffer | string;
  contentType: string;
}

/** A listening server. */
export interface StaticHttpServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/path` for one of the routes. */
  url(path: string): string;
  /** Requests answered so far, per path (unknown paths are counted under their own path too). */
  requests(path: string): number;
  close(): Promise<void>;
}

/** The exposition format's content type (text 0.0.4). */
export const TEXT_EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Server options. */
export interface StaticHttpServerOptions {
  /** 0 (default): the OS picks a free port. */
  port?: number;
  /** Called as each request arrives, before it is answered (benchmarks time scrapes with it). */
  onRequest?: (path: string) => void;
}

/** Listens on `host` and serves `routes` to GET and HEAD requests. */
export async function startStaticHttpServer(host: string, routes: Readonly<Record<string, StaticRoute>>, options: StaticHttpServerOptions = {}): Promise<StaticHttpServer> {
  const bodies = new Map(Object.entries(routes).map(([path, r]) => [path, { body: Buffer.from(r.body), contentType: r.contentType }]));
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    options.onRequest?.(path);
    const route = bodies.get(path);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (route === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`no payload at ${path}\n`);
    } else {
      res.writeHead(200, { "content-type": route.contentType, "content-length": route.body.length });
      res.end(req.method === "HEAD" ? undefined : route.body);
    }
  });
  // Scrapers reuse connections (keep-alive); do not let Node's 5 s default cut them between scrapes.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    host,
    port: bound,
    url: (path) => `http://${host}:${bound}${path}`,
    requests: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
