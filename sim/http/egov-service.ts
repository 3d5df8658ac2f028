import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Service } from "../../inventory/inventory.schema.ts";
import { prng } from "../model/seeded-random.ts";
import type { SimClock } from "../sim-clock.ts";

/** Faults a scenario can put on a service. */
export interface ServiceFaults {
  /** Added to every response, ms. */
  extraLatencyMs: number;
  /** Share of requests answered 5xx, 0..1. */
  errorRate: number;
  /** SSO login failures per (simulated) minute from a brute force, on top of normal traffic. */
  bruteForcePerMinute: number;
}

export interface EgovServiceOptions {
  service: Service;
  host: string;
  port: number;
  tls?: { key: string; cert: string };
  clock: SimClock;
  seed: number;
}

export interface EgovService {
  faults: ServiceFaults;
  close(): Promise<void>;
}

const ROUTES = ["/", "/healthz", "/api/hoso", "/api/tracuu", "/login"] as const;
/** Background citizens' requests per simulated second at the daily peak. */
const PEAK_RPS = 6;
/** At most this many synthetic observations per scrape, so a long pause never costs a long scrape. */
const MAX_BATCH = 2_000;

/**
 * One eGov service as the city runs it: a page, `/healthz`, `/metrics` (prom-client: requests by
 * route and status, latency histogram, in-flight, SSO logins, one-stop-shop queue). Citizens'
 * background traffic is generated lazily at scrape time from the elapsed simulated time.
 */
export function startEgovService(opts: EgovServiceOptions): Promise<EgovService> {
  const { service, clock } = opts;
  const registry = new Registry();
  registry.setDefaultLabels({ service: service.id });
  const requests = new Counter({ name: "http_requests_total", help: "HTTP requests served, by route, method and status.", labelNames: ["route", "method", "status"], registers: [registry] });
  const latency = new Histogram({ name: "http_request_duration_seconds", help: "HTTP request latency.", labelNames: ["route", "method", "status"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] });
  const inFlight = new Gauge({ name: "http_requests_in_flight", help: "HTTP requests being served.", registers: [registry] });
  const logins = new Counter({ name: "egov_sso_logins_total", help: "SSO login attempts by result.", labelNames: ["result"], registers: [registry] });
  const queue = new Gauge({ name: "egov_one_stop_queue_depth", help: "Applications waiting at the one-stop shop.", registers: [registry] });
  const faults: ServiceFaults = { extraLatencyMs: 0, errorRate: 0, bruteForcePerMinute: 0 };
  const rnd = prng(opts.seed, `service/${service.id}`);
  let lastMs = clock.nowMs();
  let carry = 0;
  logins.inc({ result: "success" }, 0);
  logins.inc({ result: "failure" }, 0);

  const hourLocal = (ms: number): number => (((ms / 3_600_000 + 7) % 24) + 24) % 24;
  const load = (ms: number): number => 0.15 + 0.85 * Math.max(0, Math.sin(((hourLocal(ms) - 6) / 14) * Math.PI));

  /** Catches the metrics up with the citizens' traffic since the last scrape. */
  function background(): void {
    const now = clock.nowMs();
    const dt = Math.max(0, (now - lastMs) / 1000);
    lastMs = now;
    const expected = dt * PEAK_RPS * load(now) + carry;
    const n = Math.min(MAX_BATCH, Math.floor(expected));
    carry = expected - Math.floor(expected);
    for (let k = 0; k < n; k++) {
      const route = ROUTES[Math.floor(rnd() * ROUTES.length)] ?? "/";
      const status = rnd() < faults.errorRate ? "503" : "200";
      const seconds = (0.02 + rnd() * rnd() * 0.4 + faults.extraLatencyMs / 1000) * (status === "503" ? 0.2 : 1);
      requests.inc({ route, method: route === "/login" ? "POST" : "GET", status });
      latency.observe({ route, method: route === "/login" ? "POST" : "GET", status }, seconds);
      if (service.id === "sso" && route === "/login") logins.inc({ result: rnd() < 0.93 ? "success" : "failure" });
    }
    if (service.id === "sso" && faults.bruteForcePerMinute > 0) logins.inc({ result: "failure" }, Math.min(MAX_BATCH * 10, Math.floor((faults.bruteForcePerMinute * dt) / 60)));
    if (service.id === "motcua") queue.set(Math.round(40 * load(now) + 10 * rnd()));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const route = (ROUTES as readonly string[]).includes(url.pathname) ? url.pathname : url.pathname === "/metrics" ? "/metrics" : "other";
    if (route === "/metrics") {
      background();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(await registry.metrics());
      return;
    }
    inFlight.inc();
    const started = process.hrtime.bigint();
    if (faults.extraLatencyMs > 0) await new Promise((r) => setTimeout(r, clock.realDelayMs(faults.extraLatencyMs)));
    let status = 200;
    let body: string;
    let type = "text/html; charset=utf-8";
    if (route !== "/healthz" && rnd() < faults.errorRate) {
      status = 503;
      body = "Service Unavailable";
      type = "text/plain";
    } else if (route === "/healthz") {
      status = faults.errorRate >= 1 ? 503 : 200;
      type = "application/json";
      body = JSON.stringify({ status: status === 200 ? "ok" : "unavailable", service: service.id });
    } else if (route === "/") {
      body = `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${service.name.vi} — Đà Nẵng</title></head><body><h1>${service.name.vi}</h1><p>${service.name.en} · Thành phố Đà Nẵng</p></body></html>`;
    } else if (route === "/login" && req.method === "POST") {
      status = 401;
      type = "application/json";
      body = JSON.stringify({ error: "invalid credentials" });
      logins.inc({ result: "failure" });
    } else {
      status = 404;
      type = "text/plain";
      body = "Not Found";
    }
    res.writeHead(status, { "content-type": type });
    res.end(body);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const labels = { route, method: req.method ?? "GET", status: String(status) };
    requests.inc(labels);
    latency.observe(labels, seconds);
    inFlight.dec();
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(new Error(`service ${service.id} cannot listen on ${opts.host}:${opts.port}/tcp: ${err.code ?? err.message}`)));
    server.listen(opts.port, opts.host, () => {
      server.on("error", () => undefined);
      resolve({
        faults,
        close: () =>
          new Promise<void>((res) => {
            server.closeAllConnections();
            server.close(() => res());
          }),
      });
    });
  });
}
