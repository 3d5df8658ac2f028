/**
 * The agent, composed: configuration → collectors, scheduler, receivers, HTTP endpoints and a
 * sink. No process-level concerns here (env, signals, exit): main.ts has them.
 */
import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { loadTargetFile, targetRefProblems, type TargetRefs } from "./config/target-file.ts";
import type { AgentConfig } from "./config/agent-config.schema.ts";
import { createCollectors } from "./collectors/collector-registry.ts";
import { createAgentHttpServer } from "./http/agent-http.server.ts";
import { AgentMetrics } from "./metrics.ts";
import { parseProbeModule, type ProbeModule } from "./probes/probe-registry.ts";
import { Scheduler, type SchedulableCollector } from "./scheduler.ts";
import type { Sink } from "./sink.ts";
import { snmpModuleRegistry } from "./snmp/snmp-module-registry.ts";
import { SnmpScraper } from "./snmp/snmp-scrape.ts";
import { SnmpSessionPool } from "./snmp/snmp-session-pool.ts";
import type { SshCredentials } from "./ssh/config-collector.ts";
import { SyslogReceiver } from "./syslog/syslog-receiver.ts";
import { TrapReceiver } from "./traps/trap-receiver.ts";
import type { CityEvent } from "../protocol/event.schema.ts";
import type { Target } from "../protocol/assignment.schema.ts";

/** Probe modules every agent has, as blackbox_exporter's example config names them. */
const DEFAULT_PROBE_MODULES = { http_2xx: { prober: "http" }, tcp_connect: { prober: "tcp" } };

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(":");
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(s.slice(i + 1)) };
}

export interface AgentOptions {
  config: Readonly<AgentConfig>;
  findings: readonly string[];
  sink: Sink;
  /** Overrides config.listen (the --listen flag). */
  listen?: string;
  /** Inventory device by management address, for traps and syslog (default: from the assigned snmp and ssh targets). */
  deviceAt?: (address: string) => string | undefined;
  log?: (line: string) => void;
  /** Other registries served at /metrics beside the agent's own (shipper, control channel). */
  registries?: readonly Registry[];
}

/** Resolves SSH credential names from the config; key files are read once, here. */
function sshCredentials(config: Readonly<AgentConfig>): (name: string) => SshCredentials | undefined {
  const resolved = new Map<string, SshCredentials>();
  for (const [name, a] of Object.entries(config.sshAuths)) {
    resolved.set(name, {
      username: a.username,
      ...(a.password !== undefined ? { password: a.password } : {}),
      ...(a.privateKeyFile !== undefined ? { privateKey: readFileSync(a.privateKeyFile) } : {}),
      hostKeySha256: [...a.hostKeys],
    });
  }
  return (name) => resolved.get(name);
}

/** A running agent. */
export class Agent {
  readonly metrics = new AgentMetrics();
  private pool!: SnmpSessionPool;
  private scheduler!: Scheduler;
  private http!: ReturnType<typeof createAgentHttpServer>;
  private traps?: TrapReceiver;
  private syslog?: SyslogReceiver;
  private refs!: TargetRefs;
  /** Device names by the address their snmp/ssh targets poll: who sent a trap or a syslog line. */
  private devicesByAddress = new Map<string, string>();
  private readonly deviceAt = (address: string): string | undefined => this.opts.deviceAt?.(address) ?? this.devicesByAddress.get(address);
  /** Where the HTTP server listens. */
  address = "";

  private constructor(private readonly opts: AgentOptions) {}

  /** Starts everything; rejects (having closed what started) when something cannot start. */
  static async start(opts: AgentOptions): Promise<Agent> {
    const a = new Agent(opts);
    try {
      await a.init();
    } catch (err) {
      await a.stop();
      throw err;
    }
    return a;
  }

  private async init(): Promise<void> {
    const { config, sink } = this.opts;
    const m = this.metrics;
    const counted: typeof sink = {
      samples: (b) => {
        m.samplesOut.inc(b.length);
        sink.samples(b);
      },
      events: (b) => {
        m.eventsOut.inc(b.length);
        sink.events(b);
      },
    };
    const modules = snmpModuleRegistry(config.modules.snmp);
    const probeModules = new Map<string, ProbeModule>(Object.entries({ ...DEFAULT_PROBE_MODULES, ...config.modules.probe }).map(([k, v]) => [k, parseProbeModule(v)]));
    this.pool = new SnmpSessionPool({ timeoutMs: config.limits.timeoutMs, retries: config.limits.retries, concurrency: config.limits.perDeviceConcurrency, idleMs: 10 * 60_000, onBadPacket: () => m.badPackets.inc({ component: "snmp" }) });
    const collectors = createCollectors({
      snmp: { agent: config.name, auths: config.auths, modules, pool: this.pool, recheckMs: config.limits.unreachableRecheckSeconds * 1000, observer: { polled: (_t, _s, vb, bad) => (m.varbinds.inc(vb), bad > 0 && m.badPackets.inc({ component: "snmp" }, bad)), failed: (_t, reason) => m.pollErrors.inc({ kind: "snmp", reason }) } },
      probeModules,
    });
    // ssh2 costs ~10 MB of RSS (and a 16 MB wasm heap reserved for poly1305): loaded only by
    // agents that hold SSH credentials, since without one no ssh target can be scheduled.
    if (Object.keys(config.sshAuths).length > 0) {
      const { SshConfigCollector } = await import("./ssh/config-collector.ts");
      collectors.byKind.set("ssh", new SshConfigCollector({ agent: config.name, credentials: sshCredentials(config) }) as unknown as SchedulableCollector);
    }
    this.refs = { auths: new Set(Object.keys(config.auths)), snmpModules: new Set(modules.keys()), probeModules: new Set(probeModules.keys()), sshAuths: new Set(Object.keys(config.sshAuths)) };
    this.scheduler = new Scheduler({
      collectors: collectors.byKind,
      sink: counted,
      globalConcurrency: config.limits.globalConcurrency,
      maxDeadlineMs: 60_000,
      observer: {
        pass: (kind, s, ok) => {
          m.polls.inc({ kind, result: ok ? "ok" : "error" });
          m.pollDuration.observe({ kind }, s);
        },
        skipped: (kind) => m.skippedPasses.inc({ kind }),
      },
    });
    const listen = hostPort(this.opts.listen ?? config.listen);
    this.http = createAgentHttpServer({
      scraper: new SnmpScraper(this.pool, modules),
      auths: config.auths,
      snmpModules: new Set(modules.keys()),
      probeModules,
      registry: this.opts.registries?.length ? Registry.merge([m.registry, ...this.opts.registries]) : m.registry,
      snmpTimeoutMs: 20_000,
      targets: () => this.scheduler.targets().map((t) => ({ id: t.id, kind: t.kind, ...(t.kind === "snmp" ? collectors.snmp.status(t.id) : {}) })),
      onScrape: (kind, ok, vb) => {
        m.polls.inc({ kind: `${kind}-on-demand`, result: ok ? "ok" : "error" });
        m.varbinds.inc(vb);
      },
    });
    const addr = await this.http.listen(listen.host, listen.port);
    this.address = `${addr.address}:${addr.port}`;
    if (config.traps) {
      const t = hostPort(config.traps.listen);
      this.traps = await TrapReceiver.start({ agent: config.name, ...t, auths: config.traps.auths.map((n) => config.auths[n]).filter((x) => x !== undefined), rateLimit: config.traps.rateLimit, sink: counted, deviceAt: this.deviceAt, onReceived: (version) => m.trapsReceived.inc({ version }), onDropped: (reason) => m.trapsDropped.inc({ reason }) });
      m.receiveBuffer.set({ receiver: "traps" }, this.traps.receiveBufferBytes);
    }
    if (config.syslog && (config.syslog.udp || config.syslog.tcp)) {
      this.syslog = await SyslogReceiver.start({ agent: config.name, ...(config.syslog.udp ? { udp: hostPort(config.syslog.udp) } : {}), ...(config.syslog.tcp ? { tcp: hostPort(config.syslog.tcp) } : {}), maxMessageBytes: config.syslog.maxMessageBytes, rateLimit: config.syslog.rateLimit, sink: counted, deviceAt: this.deviceAt, onReceived: (transport) => m.syslogReceived.inc({ transport }), onDropped: (reason) => m.syslogDropped.inc({ reason }) });
      if (this.syslog.receiveBufferBytes > 0) m.receiveBuffer.set({ receiver: "syslog" }, this.syslog.receiveBufferBytes);
    }
    if (config.targets !== undefined) {
      const loaded = loadTargetFile(config.targets, this.refs);
      if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
      this.assign(loaded.targets);
    }
    const now = Date.now();
    counted.events(this.opts.findings.map((f, i): CityEvent => ({ id: `${config.name}:finding:${now}:${i}`, ts: now, kind: "finding", type: "weak-snmp-auth", severity: "minor", security: true, agent: config.name, entity: { kind: "agent", name: config.name }, message: f, attributes: {} })));
  }

  /**
   * Applies a full assignment (static file or control plane): added targets start, removed ones
   * stop and are forgotten. A target naming an auth or module this agent lacks is left out and
   * logged by id (the rest of the assignment still applies). Returns the targets scheduled.
   */
  assign(targets: readonly Target[]): number {
    const runnable: Target[] = [];
    // One line per distinct problem: a city without SSH credentials would otherwise log one per device.
    const refused = new Map<string, string[]>();
    for (const t of targets) {
      const problems = targetRefProblems([t], this.refs);
      if (problems.length === 0) runnable.push(t);
      else {
        const why = problems.map((p) => p.replace(/^\[0\]\./, "")).join("; ");
        refused.set(why, [...(refused.get(why) ?? []), t.id]);
      }
    }
    for (const [why, ids] of refused) this.opts.log?.(`${ids.length} target(s) not scheduled (${ids.slice(0, 3).join(", ")}${ids.length > 3 ? `, … ${ids.length - 3} more` : ""}): ${why}`);
    this.scheduler.assign(runnable);
    this.devicesByAddress = new Map(targets.flatMap((t) => (t.kind === "snmp" || t.kind === "ssh" ? [[t.host, t.device] as const] : [])));
    this.metrics.targets.reset();
    for (const [kind, n] of Object.entries(this.scheduler.counts())) this.metrics.targets.set({ kind }, n);
    return runnable.length;
  }

  /** Stops scheduling and listening, closes sessions. */
  async stop(): Promise<void> {
    this.scheduler?.stop();
    await Promise.all([this.http?.close(), this.traps?.close(), this.syslog?.close()]);
    this.pool?.close();
  }
}
