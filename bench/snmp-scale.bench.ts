/**
 * How the SNMP poller's cost grows with the city: CPU and memory of continuous polling (poll →
 * decode → rates → remote-write encoding, as shipped) per cycle at 1k, 10k and 100k interfaces
 * (`--quick` stops at 10k), and the whole simulated Da Nang polled with the modules the control
 * plane assigns, as a share of one core at a 60 s (and the default 30 s) interval; and the idle
 * RSS of the agent bundled (agents/build.ts) and through tsx, after 20 s with nothing to poll.
 *
 * Devices with many interfaces are synthetic SNMPv2c agents (lib/snmp-scale-device.ts) in child
 * processes (this file in `serve` mode, up to 50 devices each), each device on its own loopback
 * address, serving 1,000 interfaces of ifTable/ifXTable with counters that move between cycles.
 * A cycle polls every device under the agent's default global concurrency limit (64 targets at
 * once), as the scheduler does. Only the poller's process is charged; the devices run in their
 * own processes. Peak RSS and heap are sampled every 100 ms during the cycle.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { defineSnmpModule, type SnmpModuleInput } from "../agents/snmp/snmp-module.schema.ts";
import { snmpModuleRegistry } from "../agents/snmp/snmp-module-registry.ts";
import { SnmpCollector } from "../agents/snmp/snmp-collector.ts";
import { SnmpSessionPool } from "../agents/snmp/snmp-session-pool.ts";
import type { SnmpAuth } from "../agents/config/agent-config.schema.ts";
import type { Target } from "../protocol/assignment.schema.ts";
import { encodeWriteRequest, groupSamples } from "../protocol/remote-write.codec.ts";
import { freeUdpPort } from "../test/peers.ts";
import type { BenchOptions, BenchResult } from "./bench.ts";
import { processCpuSeconds, processPeakRssBytes, processRssBytes } from "./lib/proc-stats.ts";

const ROWS_PER_DEVICE = 1000;
const DEVICES_PER_PROCESS = 50;
/** The agent's default `limits.globalConcurrency`. */
const GLOBAL_CONCURRENCY = 64;
const COMMUNITY = "bench-scale-community";
const RUN_TS = join(import.meta.dirname, "../bin/run-ts.js");
const SELF = join(import.meta.dirname, "snmp-scale.bench.ts");
/** Loopback block of this benchmark: 127.35.x.y for synthetic devices, 127.34 for the city. */
const deviceHost = (i: number) => `127.35.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

const IF = "1.3.6.1.2.1.2.2.1";
const IFX = "1.3.6.1.2.1.31.1.1.1";
/** What a city polls every interface for: status, octets both ways, errors, named by ifName. */
const scaleModuleInput: SnmpModuleInput = {
  walk: [`${IF}.8`, `${IF}.14`, `${IF}.20`, `${IFX}.1`, `${IFX}.6`, `${IFX}.10`],
  maxRepetitions: 50,
  metrics: [
    ...[
      [`${IF}.8`, "ifOperStatus", "gauge"],
      [`${IF}.14`, "ifInErrors", "counter"],
      [`${IF}.20`, "ifOutErrors", "counter"],
      [`${IFX}.6`, "ifHCInOctets", "counter"],
      [`${IFX}.10`, "ifHCOutOctets", "counter"],
    ].map(([oid, name, type]) => ({ name: name as string, oid: oid as string, type: type as "gauge" | "counter", indexes: [{ labelname: "ifIndex", type: "gauge" as const }], lookups: [{ labels: ["ifIndex"], labelname: "ifName", oid: `${IFX}.1` }] })),
  ],
};
const scaleModule = defineSnmpModule("if_scale", scaleModuleInput);

/** `serve` mode: synthetic devices (child process), given as name@host/rows,…; prints "ready port,port,…" once bound. */
async function serve(spec: string): Promise<void> {
  const { ScaleDevices } = await import("./lib/snmp-scale-device.ts");
  const devices = spec.split(",").map((d) => {
    const [name, rest] = d.split("@") as [string, string];
    const [host, rows] = rest.split("/") as [string, string];
    return { name, host, rows: Number(rows) };
  });
  const server = new ScaleDevices(COMMUNITY, Math.max(...devices.map((d) => d.rows)));
  const ports: number[] = [];
  for (const d of devices) ports.push(await server.start(d.name, d.host, 0, d.rows));
  process.once("SIGTERM", () => server.close());
  process.stdout.write(`ready ${ports.join(",")}\n`);
}

/** `city` mode: the whole simulated city on 127.34 (child process). */
async function city(seed: number, snmpPort: number): Promise<void> {
  const { loadInventoryOrThrow } = await import("../inventory/inventory.loader.ts");
  const { startSimCity } = await import("../sim/sim-city.ts");
  const inv = await loadInventoryOrThrow(join(import.meta.dirname, "../inventory/danang.yaml"));
  const { freeTcpPort } = await import("../test/peers.ts");
  await startSimCity(inv, { seed, addressPrefix: "127.34", snmpPort, sshPort: await freeTcpPort("127.34.0.1"), services: false });
  process.stdout.write("ready\n");
}

function child(args: string[]): Promise<{ p: ChildProcess; ready: string }> {
  const p = spawn(process.execPath, [RUN_TS, SELF, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: p.stdout as NodeJS.ReadableStream });
    lines.once("line", (l) => (l.startsWith("ready") ? resolve({ p, ready: l.slice(6) }) : reject(new Error(`child said ${l}`))));
    p.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
  });
}

/** One cycle over every target, at most GLOBAL_CONCURRENCY at once as the scheduler runs them; CPU, varbinds and peak memory. */
async function cycle(collector: SnmpCollector, targets: Target[], encode: boolean): Promise<{ cpuS: number; wallS: number; varbinds: number; samples: number; bytes: number; peakRss: number; peakHeap: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const before = varbindCount;
  let samples = 0;
  let bytes = 0;
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 100);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const t = targets[next++] as Extract<Target, { kind: "snmp" }>;
      const r = await collector.collect(t, AbortSignal.timeout(600_000));
      samples += r.samples.length;
      if (encode) for (let i = 0; i < r.samples.length; i += 2000) bytes += encodeWriteRequest(groupSamples(r.samples.slice(i, i + 2000))).length;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(GLOBAL_CONCURRENCY, targets.length) }, worker));
  } finally {
    clearInterval(timer);
  }
  sample();
  const c = process.cpuUsage(c0);
  return { cpuS: (c.user + c.system) / 1e6, wallS: (performance.now() - t0) / 1000, varbinds: varbindCount - before, samples, bytes, peakRss, peakHeap };
}

let varbindCount = 0;

function collectorFor(auths: Record<string, SnmpAuth>, extra: Record<string, ReturnType<typeof defineSnmpModule>> = {}): { collector: SnmpCollector; pool: SnmpSessionPool } {
  const pool = new SnmpSessionPool({ timeoutMs: 10_000, retries: 1, concurrency: 1, idleMs: 600_000, onBadPacket: () => undefined });
  const modules = new Map([...snmpModuleRegistry({}), ...Object.entries(extra)]);
  const collector = new SnmpCollector({ agent: "bench", auths, modules, pool, recheckMs: 15_000, observer: { polled: (_t, _s, vb) => void (varbindCount += vb), failed: (t, reason) => process.stderr.write(`poll of ${t} failed: ${reason}\n`) } });
  return { collector, pool };
}

const mb = (b: number) => Math.round(b / 1e5) / 10;

/** RSS of an idle agent (no targets) 20 s after start, when V8's memory reducer has run. */
async function idleRss(args: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-idle-"));
  writeFileSync(join(dir, "agent.yaml"), "name: idle\nlisten: 127.35.250.1:0\nauths: {}\n");
  const p = spawn(process.execPath, [...args, "--config", join(dir, "agent.yaml")], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 20_000));
    if (p.exitCode !== null) throw new Error(`idle agent exited with ${p.exitCode}`);
    return processRssBytes(p.pid as number);
  } finally {
    p.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The bundled agent itself polling the synthetic devices from a static target file at a 60 s
 * interval (the scheduler spreads first passes over the interval): its CPU over the second
 * minute (every target on its steady schedule), the varbinds it received in that minute, and
 * its peak RSS (VmHWM) over both minutes. Samples go to its stand-alone sink (counted only).
 */
async function agentMinute(bundle: string, targets: Target[]): Promise<{ cpuS: number; varbinds: number; peakRss: number; rss: number }> {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-scale-agent-"));
  // JSON is YAML: the config and the target file are written as JSON.
  writeFileSync(join(dir, "targets.yaml"), JSON.stringify(targets));
  writeFileSync(join(dir, "agent.yaml"), JSON.stringify({ name: "scale", listen: "127.35.250.4:0", auths: { v2c: { version: "2c", community: COMMUNITY } }, modules: { snmp: { if_scale: scaleModuleInput } }, targets: join(dir, "targets.yaml") }));
  const p = spawn(process.execPath, [bundle, "--config", join(dir, "agent.yaml")], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      p.stderr?.setEncoding("utf8");
      p.stderr?.on("data", (d: string) => {
        err += d;
        const m = / on (http:\/\/[0-9.]+:\d+)/.exec(err);
        if (m) resolve(m[1] as string);
      });
      p.once("exit", (code) => reject(new Error(`agent exited with ${code}: ${err.slice(-500)}`)));
    });
    const varbinds = async () => Number(/^cityplane_agent_snmp_varbinds_total (\S+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN);
    await new Promise((r) => setTimeout(r, 62_000));
    const cpu0 = processCpuSeconds(p.pid as number);
    const vb0 = await varbinds();
    await new Promise((r) => setTimeout(r, 60_000));
    const cpuS = processCpuSeconds(p.pid as number) - cpu0;
    return { cpuS, varbinds: (await varbinds()) - vb0, peakRss: processPeakRssBytes(p.pid as number), rss: processRssBytes(p.pid as number) };
  } finally {
    p.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const name = "snmp-scale";
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const sizes = quick ? [1000, 10_000] : [1000, 10_000, 100_000];
  const children: ChildProcess[] = [];
  const { buildAgent } = await import("../agents/build.ts");
  const bundle = buildAgent();
  bundle.catch(() => undefined); // awaited (and reported) where it is used
  try {
    for (const size of sizes) {
      const devices = Math.max(1, Math.ceil(size / ROWS_PER_DEVICE));
      const targets: Target[] = [];
      for (let first = 0; first < devices; first += DEVICES_PER_PROCESS) {
        const ids = Array.from({ length: Math.min(DEVICES_PER_PROCESS, devices - first) }, (_, k) => first + k);
        const spec = ids.map((i) => `scale-${i}@${deviceHost(i)}/${Math.min(ROWS_PER_DEVICE, size - i * ROWS_PER_DEVICE)}`).join(",");
        const { p, ready } = await child(["serve", spec]);
        children.push(p);
        const ports = ready.split(",").map(Number);
        ids.forEach((i, k) => targets.push({ kind: "snmp", id: `snmp:scale-${i}`, device: `scale-${i}`, host: deviceHost(i), port: ports[k] as number, auth: "v2c", modules: ["if_scale"], intervalSeconds: 60 }));
      }
      global.gc?.();
      const rss0 = process.memoryUsage().rss;
      const heap0 = process.memoryUsage().heapUsed;
      const { collector, pool } = collectorFor({ v2c: { version: "2c", community: COMMUNITY } }, { if_scale: scaleModule });
      await cycle(collector, targets, true); // first pass: sessions, plans, label caches, no rates yet
      await new Promise((r) => setTimeout(r, 1000));
      const second = await cycle(collector, targets, true);
      global.gc?.();
      const rss = process.memoryUsage().rss;
      const k = `${size / 1000}k`;
      metrics[`if_${k}_cycle_cpu_seconds`] = second.cpuS;
      metrics[`if_${k}_cycle_wall_seconds`] = second.wallS;
      metrics[`if_${k}_cpu_us_per_interface`] = (second.cpuS / size) * 1e6;
      metrics[`if_${k}_cpu_us_per_varbind`] = (second.cpuS / second.varbinds) * 1e6;
      metrics[`if_${k}_samples_per_cycle`] = second.samples;
      metrics[`if_${k}_rss_growth_mb`] = mb(rss - rss0);
      metrics[`if_${k}_rss_mb`] = mb(rss);
      metrics[`if_${k}_peak_rss_mb`] = mb(second.peakRss);
      metrics[`if_${k}_peak_rss_growth_mb`] = mb(second.peakRss - rss0);
      metrics[`if_${k}_peak_heap_growth_mb`] = mb(second.peakHeap - heap0);
      pool.close();
      if (size === 100_000) {
        const agent = await agentMinute((await bundle).outfile, targets);
        metrics.agent_100k_cpu_seconds_per_minute = agent.cpuS;
        metrics.agent_100k_varbinds_per_minute = agent.varbinds;
        metrics.agent_100k_peak_rss_mb = mb(agent.peakRss);
        metrics.agent_100k_rss_mb = mb(agent.rss);
      }
      for (const c of children.splice(0)) c.kill("SIGTERM");
    }

    // The whole city, with the modules the control plane assigns per role.
    const { loadInventoryOrThrow } = await import("../inventory/inventory.loader.ts");
    const { listSimCity } = await import("../sim/sim-city.ts");
    const { simSecrets } = await import("../sim/sim-credentials.ts");
    const { SNMP_MODULES_BY_ROLE } = await import("../services/targets/inventory-targets.ts");
    const inv = await loadInventoryOrThrow(join(import.meta.dirname, "../inventory/danang.yaml"));
    const seed = 7;
    const snmpPort = await freeUdpPort("127.34.0.1");
    children.push((await child(["city", String(seed), String(snmpPort)])).p);
    const listing = listSimCity(inv, { seed, addressPrefix: "127.34", snmpPort });
    const auths: Record<string, SnmpAuth> = {};
    for (const [n, s] of Object.entries(simSecrets(seed, inv))) if (s.kind === "snmp-v3") auths[n] = { version: 3, username: s.user, securityLevel: "authPriv", authProtocol: "sha", authPassword: s.authKey, privProtocol: "aes", privPassword: s.privKey, legacy: false };
    const targets: Target[] = inv.devices
      .filter((d) => d.credentials.snmp !== undefined)
      .map((d) => {
        const l = listing.devices.find((x) => x.name === d.name);
        return { kind: "snmp", id: `snmp:${d.name}`, device: d.name, host: l?.snmp.host ?? "", port: snmpPort, auth: d.credentials.snmp ?? "", modules: SNMP_MODULES_BY_ROLE[d.role], intervalSeconds: 60 };
      });
    const { collector, pool } = collectorFor(auths);
    await cycle(collector, targets, true);
    const cycles = quick ? 2 : 4;
    let cpu = 0;
    let vb = 0;
    let wall = 0;
    for (let i = 0; i < cycles; i++) {
      const c = await cycle(collector, targets, true);
      cpu += c.cpuS;
      vb += c.varbinds;
      wall = Math.max(wall, c.wallS);
    }
    pool.close();
    metrics.city_devices = targets.length;
    metrics.city_varbinds_per_cycle = vb / cycles;
    metrics.city_cycle_cpu_seconds = cpu / cycles;
    metrics.city_cycle_wall_seconds_max = wall;
    metrics.city_core_percent_at_60s = (cpu / cycles / 60) * 100;
    metrics.city_core_percent_at_30s = (cpu / cycles / 30) * 100;
    const built = await bundle;
    const [bundled, tsx] = await Promise.all([idleRss([built.outfile]), idleRss([join(import.meta.dirname, "../bin/cityplane.js"), "agent"])]);
    metrics.idle_rss_mb_bundled = mb(bundled);
    metrics.idle_rss_mb_tsx = mb(tsx);
    metrics.bundle_kib = Math.round(built.bytes / 1024);
    notes.push(`interfaces: ${ROWS_PER_DEVICE} per synthetic device (${DEVICES_PER_PROCESS} devices per process), 6 columns walked + ifName lookup, v2c, ${GLOBAL_CONCURRENCY} devices polled at once; cost = poller process CPU of the second cycle (rates on) incl. remote-write encoding`);
    if (!quick) notes.push("agent_100k: the bundled agent polling the same 100 devices from a static target file every 60 s (default limits), CPU and varbinds over its second minute, peak RSS = VmHWM over both minutes; samples counted by its stand-alone sink, not encoded");
    notes.push(`city: ${targets.length} simulated devices (SNMPv3 authPriv SHA/AES), modules per role as the control plane assigns them, mean of ${cycles} cycles after a warm-up cycle`);
    return { name, metrics, notes: notes.join("; ") };
  } finally {
    for (const c of children) c.kill("SIGTERM");
  }
}

if (process.argv[1] === SELF && process.argv[2] === "serve") await serve(process.argv[3] as string);
if (process.argv[1] === SELF && process.argv[2] === "city") await city(Number(process.argv[3]), Number(process.argv[4]));
