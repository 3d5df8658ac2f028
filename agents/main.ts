/**
 * `cityplane agent` entry: reads the config file (all errors at once, exit 1), picks the sink
 * (the Shipper when a control plane is configured, otherwise events as JSON lines on stdout),
 * starts the agent and stops it cleanly on SIGINT/SIGTERM. With a control plane, the targets
 * come from its assignments over the control channel; each one replaces the scheduled set.
 * The only agent file reading env.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { resolve } from "node:path";
import type { CityEvent } from "../protocol/event.schema.ts";
import type { Sample } from "../protocol/remote-write.codec.ts";
import type { Registry } from "prom-client";
import { Agent } from "./agent.ts";
import { currentToken, usableToken } from "./agent-token.ts";
import type { ControlClient } from "./control/control-client.ts";
import { loadAgentConfig } from "./config/agent-config.ts";
import type { Shipper } from "./shipper/shipper.ts";
import type { Sink } from "./sink.ts";

export interface AgentIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Events to stdout as JSON lines; samples are counted only (use /snmp, /probe, or a control plane). */
class StdoutSink implements Sink {
  samplesSeen = 0;
  constructor(private readonly out: (line: string) => void) {}
  samples(batch: readonly Sample[]): void {
    this.samplesSeen += batch.length;
  }
  events(batch: readonly CityEvent[]): void {
    for (const e of batch) this.out(JSON.stringify(e));
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Starts the agent; resolves with the exit code once it has been stopped (or failed to start). */
export async function runAgent(args: string[], io: AgentIo, stopSignal?: AbortSignal): Promise<number> {
  const file = flag(args, "--config");
  if (file === undefined) {
    io.err("cityplane agent: --config FILE is required");
    return 2;
  }
  const listen = flag(args, "--listen");
  if (listen !== undefined && !/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(listen)) {
    io.err(`cityplane agent: --listen must be HOST:PORT, got "${listen.slice(0, 100)}"`);
    return 2;
  }
  const loaded = loadAgentConfig(resolve(io.cwd, file));
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(e);
    io.err(`${loaded.errors.length} configuration error${loaded.errors.length === 1 ? "" : "s"}`);
    return 1;
  }
  const { config } = loaded;
  for (const f of loaded.findings) io.err(`security finding: ${f}`);
  let sink: Sink;
  let shipper: Shipper | undefined;
  let controlToken: string | undefined;
  if (config.controlPlane) {
    const { url, tokenFile, delivery } = config.controlPlane;
    const env = io.env.CITYPLANE_AGENT_TOKEN;
    if (tokenFile === undefined && !env) {
      io.err("cityplane agent: controlPlane needs a token (controlPlane.tokenFile or CITYPLANE_AGENT_TOKEN)");
      return 1;
    }
    let token: string;
    try {
      token = usableToken(tokenFile !== undefined ? readFileSync(tokenFile, "utf8") : (env ?? ""));
    } catch (err) {
      const from = tokenFile !== undefined ? `controlPlane.tokenFile ${tokenFile}` : "CITYPLANE_AGENT_TOKEN";
      io.err(`cityplane agent: cannot use the token in ${from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return 1;
    }
    controlToken = token;
    // Loaded only with a control plane: a stand-alone agent never pays for protobufjs or socket.io-client.
    const { Shipper } = await import("./shipper/shipper.ts");
    shipper = new Shipper({
      url,
      token,
      // Re-read while the control plane refuses the token (a rotation): delivery resumes by itself (ADR 0008).
      ...(tokenFile !== undefined ? { reloadToken: { from: `controlPlane.tokenFile ${tokenFile}`, read: () => readFile(tokenFile, "utf8") } } : {}),
      spoolDir: join(config.dataDir, "spool"),
      maxSpoolBytes: 256 * 1024 * 1024,
      backoff: { baseMs: delivery.retryBaseMs, maxMs: delivery.retryMaxMs },
      requestTimeoutMs: delivery.requestTimeoutMs,
      logger: { info: (_f, msg) => io.err(msg), warn: (f, msg) => io.err("err" in f ? `${msg} (${String(f.err)})` : msg) },
    });
    await shipper.start();
    sink = shipper;
  } else {
    sink = new StdoutSink(io.out);
  }
  let control: ControlClient | undefined;
  let applied = { version: 0, targets: 0 };
  let spoolBytes = 0;
  if (config.controlPlane && shipper) {
    const ship = shipper;
    const { ControlClient } = await import("./control/control-client.ts");
    control = new ControlClient({
      url: config.controlPlane.url,
      // Read at every handshake: after a rotation the channel reconnects with the new token (ADR 0008).
      token: currentToken(config.controlPlane.tokenFile, controlToken ?? ""),
      agent: config.name,
      heartbeatIntervalMs: config.controlPlane.heartbeatSeconds * 1000,
      // The spool gauge is read asynchronously; the heartbeat carries the previous reading.
      status: () => {
        void ship.metrics.spoolBytes.get().then((g) => (spoolBytes = g.values[0]?.value ?? 0));
        return { version: applied.version, targets: applied.targets, spoolBytes, rssBytes: process.memoryUsage.rss() };
      },
      logger: { info: (_f, msg) => io.err(msg), warn: (f, msg) => io.err(`${msg}${"reason" in f || "error" in f ? ` (${String(f.reason ?? f.error)})` : ""}`) },
    });
  }
  const registries: Registry[] = [shipper?.registry, control?.registry].filter((r): r is Registry => r !== undefined);
  let agent: Agent;
  try {
    agent = await Agent.start({ config, findings: loaded.findings, sink, ...(listen !== undefined ? { listen } : {}), log: io.err, registries });
  } catch (err) {
    io.err(`cityplane agent: ${(err as Error).message}`);
    await shipper?.stop();
    return 1;
  }
  io.err(`cityplane agent ${config.name} serving /snmp, /probe, /metrics on http://${agent.address}`);
  if (control) {
    control.onAssignment((a) => {
      const n = agent.assign(a.targets);
      applied = { version: a.version, targets: n };
      io.err(`assignment ${a.version}: ${n} of ${a.targets.length} target(s) scheduled`);
    });
    control.start();
    io.err(`control plane ${config.controlPlane?.url}: waiting for assignments`);
  }
  await new Promise<void>((done) => {
    if (stopSignal?.aborted) return done();
    stopSignal?.addEventListener("abort", () => done(), { once: true });
  });
  await control?.stop();
  await agent.stop();
  await shipper?.stop();
  return 0;
}

/**
 * The process entry of a stand-alone agent (the bundle built by agents/build.ts): arguments,
 * environment, stdout/stderr and SIGINT/SIGTERM of this process.
 */
export async function agentMain(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write("usage: cityplane-agent --config FILE [--listen HOST:PORT]\n");
    return 0;
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await runAgent(args, { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), env: process.env, cwd: process.cwd() }, stop.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
