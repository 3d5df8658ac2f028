/**
 * Starts static-http-server.main.ts in its own process: a scrape target whose CPU is not
 * counted on either side of a scraper comparison.
 */
import { startTypeScriptChild, type BoundedChild } from "./bounded-child.ts";

/** A payload file and the content type to serve it with. */
export interface FileRoute {
  file: string;
  contentType: string;
}

/** The running server process. */
export interface StaticHttpServerProcess {
  readonly child: BoundedChild;
  readonly port: number;
  url(path: string): string;
  /** Calls `listener` as each request's log line is received (`atMs` on performance.now()'s clock). */
  onRequest(listener: (path: string, atMs: number) => void): () => void;
  stop(): Promise<void>;
}

/** Serves `routes` (path → file) on `host` from a child process that lives at most `lifetimeMs`. */
export async function startStaticHttpServerProcess(host: string, routes: Readonly<Record<string, FileRoute>>, lifetimeMs: number): Promise<StaticHttpServerProcess> {
  const child = await startTypeScriptChild(new URL("./static-http-server.main.ts", import.meta.url), { args: [host, JSON.stringify(routes)], lifetimeMs });
  let port: number;
  try {
    const line = await child.waitForLine(/^\{"port":\d+\}$/, 15_000);
    port = (JSON.parse(line) as { port: number }).port;
  } catch (err) {
    await child.stop();
    throw err;
  }
  return {
    child,
    port,
    url: (path) => `http://${host}:${port}${path}`,
    onRequest: (listener) =>
      child.onLine((line) => {
        const at = performance.now();
        if (!line.startsWith('{"request":')) return;
        listener((JSON.parse(line) as { request: string }).request, at);
      }),
    stop: async () => {
      await child.stop();
    },
  };
}
