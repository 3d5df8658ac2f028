/**
 * The agent's HTTP endpoints, drop-in for snmp_exporter and blackbox_exporter: `/snmp`,
 * `/probe`, plus `/metrics` (the agent's own), `/targets` (status) and `/healthz`. Plain
 * node:http on purpose: the edge agent bundles only its protocol libraries (DESIGN.md).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import { runProbe, type ProbeModule } from "../probes/probe-registry.ts";
import { renderProbeSamples } from "../probes/probe-exposition.ts";
import { TEXT_CONTENT_TYPE } from "../prometheus/exposition-writer.ts";
import { SnmpRequestError } from "../snmp/snmp-client.ts";
import type { SnmpScraper } from "../snmp/snmp-scrape.ts";

export interface AgentHttpDeps {
  scraper: SnmpScraper;
  auths: Readonly<Record<string, SnmpAuth>>;
  snmpModules: ReadonlySet<string>;
  probeModules: ReadonlyMap<string, ProbeModule>;
  registry: Registry;
  /** Status of scheduled targets, for `/targets`. */
  targets: () => unknown;
  snmpTimeoutMs: number;
  onScrape?: (kind: "snmp" | "probe", ok: boolean, varbinds: number) => void;
}

class BadRequest extends Error {}

function reply(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "x-content-type-options": "nosniff" });
  res.end(body);
}

/** Parses `HOST`, `HOST:PORT` or `[v6]:PORT`; SNMP's default port is 161 (RFC 3417 §3). */
export function parseSnmpTarget(target: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(target);
  const port = m?.[3] === undefined ? 161 : Number(m[3]);
  if (m === null || port < 1 || port > 65535) throw new BadRequest(`target "${target.slice(0, 100)}" must be HOST or HOST:PORT`);
  return { host: (m[1] ?? m[2]) as string, port };
}

/** Creates the HTTP server (not yet listening). */
export function createAgentHttpServer(deps: AgentHttpDeps): { server: Server; listen(host: string, port: number): Promise<AddressInfo>; close(): Promise<void> } {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://agent");
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, "only GET is supported\n");
    switch (url.pathname) {
      case "/snmp":
        return snmp(url.searchParams, res);
      case "/probe":
        return probe(url.searchParams, res);
      case "/metrics":
        return reply(res, 200, await deps.registry.metrics(), deps.registry.contentType);
      case "/targets":
        return reply(res, 200, JSON.stringify(deps.targets(), null, 2), "application/json");
      case "/healthz":
        return reply(res, 200, "ok\n");
      default:
        return reply(res, 404, "not found: try /snmp, /probe, /metrics, /targets\n");
    }
  };

  const snmp = async (q: URLSearchParams, res: ServerResponse): Promise<void> => {
    const target = q.get("target");
    if (target === null || target === "") throw new BadRequest("'target' parameter must be specified");
    const { host, port } = parseSnmpTarget(target);
    const modules = q.getAll("module").flatMap((m) => m.split(",")).filter((m) => m !== "");
    if (modules.length === 0) modules.push("if_mib");
    for (const m of modules) if (!deps.snmpModules.has(m)) throw new BadRequest(`unknown module "${m.slice(0, 100)}"`);
    const names = Object.keys(deps.auths);
    const authName = q.get("auth") ?? (names.length === 1 ? names[0] : undefined);
    if (authName === undefined) throw new BadRequest(`'auth' parameter must name one of the configured auths (${names.join(", ")})`);
    const auth = deps.auths[authName];
    if (auth === undefined) throw new BadRequest(`unknown auth "${authName.slice(0, 100)}"`);
    try {
      const out = await deps.scraper.scrape({ host, port, authName, auth, moduleNames: modules, timeoutMs: deps.snmpTimeoutMs });
      deps.onScrape?.("snmp", true, out.varbinds);
      reply(res, 200, out.text, TEXT_CONTENT_TYPE);
    } catch (err) {
      deps.onScrape?.("snmp", false, 0);
      const why = err instanceof SnmpRequestError ? (err.failure === "timeout" ? "no answer (timeout)" : err.failure === "aborted" ? "scrape deadline reached" : err.message) : (err as Error).message;
      reply(res, 500, `error collecting ${host}:${port} with module ${modules.join(",")}: ${why}\n`);
    }
  };

  const probe = async (q: URLSearchParams, res: ServerResponse): Promise<void> => {
    const target = q.get("target");
    if (target === null || target === "") throw new BadRequest("target parameter is missing");
    const name = q.get("module") ?? "http_2xx";
    const module = deps.probeModules.get(name);
    if (module === undefined) throw new BadRequest(`unknown module "${name.slice(0, 100)}"`);
    const result = await runProbe(module, target);
    deps.onScrape?.("probe", result.success, 0);
    reply(res, 200, renderProbeSamples(result.samples), TEXT_CONTENT_TYPE);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      reply(res, err instanceof BadRequest ? 400 : 500, `${(err as Error).message}\n`);
    });
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  return {
    server,
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
