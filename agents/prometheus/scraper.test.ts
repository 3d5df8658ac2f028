import http from "node:http";
import type { AddressInfo } from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpFetcher } from "./http-fetcher.ts";
import { PrometheusScraper, SCRAPE_ACCEPT_HEADER } from "./scraper.ts";

// A real server on 127.0.0.1: one route per behaviour the scraper must handle.
let server: http.Server;
let base: string;
const seenAccept: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    seenAccept.push(req.headers.accept ?? "");
    if (req.url === "/om") {
      res.setHeader("content-type", "application/openmetrics-text; version=1.0.0; charset=utf-8");
      res.end('# TYPE req counter\nreq_total{code="200"} 7\n# EOF\n');
    } else if (req.url === "/gzip") {
      res.setHeader("content-type", "text/plain; version=0.0.4");
      res.setHeader("content-encoding", "gzip");
      res.end(gzipSync("node_load1 0.25\n"));
    } else if (req.url === "/hang") {
      res.write(""); // never ends
    } else {
      res.setHeader("content-type", "text/plain; version=0.0.4");
      res.end("node_load1 0.5\n");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const target = (path: string, timeoutSeconds = 2) => ({ kind: "scrape" as const, id: path, entity: { kind: "service" as const, name: "sso" }, url: base + path, intervalSeconds: 15, timeoutSeconds });

describe("PrometheusScraper over real HTTP", () => {
  const scraper = new PrometheusScraper({ fetch: createHttpFetcher() });

  it("negotiates OpenMetrics first and parses it", async () => {
    const out = await scraper.scrape(target("/om"), new AbortController().signal);
    expect(seenAccept.at(-1)).toBe(SCRAPE_ACCEPT_HEADER);
    expect(out.up).toBe(true);
    expect(out.samples[0]).toMatchObject({ name: "req_total", labels: { code: "200", job: "sso", instance: new URL(base).host }, value: 7 });
  });

  it("reads gzip-encoded text format", async () => {
    const out = await scraper.scrape(target("/gzip"), new AbortController().signal);
    expect(out.samples[0]).toMatchObject({ name: "node_load1", value: 0.25 });
  });

  it("ends a hanging target at its timeout with up=0", async () => {
    const out = await scraper.scrape(target("/hang", 0.3), new AbortController().signal);
    expect(out.up).toBe(false);
    expect(out.error).toBe("scrape timed out after 0.3s");
    expect(scraper.health("/hang")).toMatchObject({ up: false, error: "scrape timed out after 0.3s" });
  });

  it("reports a closed port as down with the connection error", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const out = await scraper.scrape({ ...target("/"), id: "closed", url: `http://127.0.0.1:${port}/metrics` }, new AbortController().signal);
    expect(out.up).toBe(false);
    expect(out.error).toContain("ECONNREFUSED");
  });

  it("collect() returns samples for the scheduler, with stale markers after a series vanishes", async () => {
    const s = new PrometheusScraper({ fetch: createHttpFetcher() });
    const first = await s.collect({ ...target("/"), id: "t" }, new AbortController().signal);
    expect(first.samples.find((x) => x.name === "node_load1")?.value).toBe(0.5);
    const second = await s.collect({ ...target("/om"), id: "t" }, new AbortController().signal);
    expect(second.samples.filter((x) => x.name === "node_load1").map((x) => Number.isNaN(x.value))).toEqual([true]);
  });
});

describe("PrometheusScraper timeouts under garbage collection", () => {
  it("ends a hanging target at its timeout even when collections run meanwhile", async () => {
    // Node 20 lost AbortSignal.timeout() inside AbortSignal.any() to a collection: the scrape never ended.
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const hang = http.createServer((_req, res) => res.write(""));
    await new Promise<void>((r) => hang.listen(0, "127.61.0.1", r));
    const collecting = setInterval(gc, 20);
    try {
      const url = `http://127.61.0.1:${(hang.address() as AddressInfo).port}/metrics`;
      const started = performance.now();
      const out = await new PrometheusScraper({ fetch: createHttpFetcher() }).scrape({ ...target("/"), id: "gc", url, timeoutSeconds: 0.3 }, new AbortController().signal);
      expect(out.error).toBe("scrape timed out after 0.3s");
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      clearInterval(collecting);
      hang.closeAllConnections();
      hang.close();
    }
  }, 10_000);
});
