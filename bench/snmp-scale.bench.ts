/**
 * How the SNMP poller's cost grows with the city: CPU and memory of continuous polling (poll →
 * decode → rates → remote-write encoding, as shipped) per cycle at 1k, 10k and 100k interfaces
 * (`--quick` stops at 10k), and the whole simulated Da Nang polled with the modules the control
 * plane assigns, as a share of one core at a 60 s (and the default 30 s) interval; and the idle
 * RSS of the agent bundled (agents/build.ts) and through tsx, after 20 s with nothing to poll.
 *
 * Devices with many interfaces are net-snmp agents in child processes (this file in `serve`
 * mode), each on its own loopback address, serving an ifTable/ifXTable slice of 5,000 rows with
 * counters that move between cycles. Only the poller's process is charged; the devices run in
 * their own processes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { defineSnmpModule } from "../agents/snmp/snmp-module.schema.ts";
import { snmpModuleRegistry } from "../agents/snmp/snmp-module-registry.ts";
import { SnmpCollector } from "../agents/snmp/snmp-collector.ts";
import { SnmpSessionPool } from "../agents/snmp/snmp-session-pool.ts";
import type { SnmpAuth } from "../agents/config/agent-config.schema.ts";
import type { Target } from "../protocol/assignment.schema.ts";
import { encodeWriteRequest, groupSamples } from "../protocol/remote-write.codec.ts";
import { freeUdpPort } from "../test/peers.ts";
import type { BenchOptions, BenchResult } from "./bench.ts";
import { processRssBytes } from "./lib/proc-stats.ts";

const ROWS_PER_DEVICE = 5000;
const COMMUNITY = "bench-scale-community";
const RUN_TS = join(import.meta.dirname, "../bin/run-ts.js");
const SELF = join(import.meta.dirname, "snmp-scale.bench.ts");
/** Loopback block of this benchmark: 127.35.x.y for synthetic devices, 127.34 for the city. */
const deviceHost = (i: number) => `127.35.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

const IF = "1.3.6.1.2.1.2.2.1";
const IFX = "1.3.6.1.2.1.31.1.1.1";
/** What a city polls every interface for: status, octets both ways, errors, named by ifName. */
const scaleModule = defineSnmpModule("if_scale", {
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
});

/** `serve` mode: one synthetic device (child process). Prints "ready" once bound. */
async function serve(host: string, port: number, rows: number): Promise<void> {
  const { createAgent, ObjectType: T } = await import("net-snmp");
  const { registerLazyTable } = await import("../sim/snmp/lazy-provider.ts");
  const started = Date.now();
  const c64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(Math.floor(v)));
    return b;
  };
  const secs = () => (Date.now() - started) / 1000;
  await new Promise<void>((resolve, reject) => {
    let bound = false;
    const agent = createAgent({ port, address: host, transport: "udp4" }, (err) => {
      if (err && !bound) reject(err);
    });
    agent.getAuthorizer().addCommunity(COMMUNITY);
    const mib = agent.getMib();
    const list = Array.from({ length: rows }, (_, i) => i + 1);
    registerLazyTable(mib, {
      name: "ifTable",
      entryOid: IF,
      index: [{ columnName: "ifIndex" }],
      columns: [
        { number: 1, name: "ifIndex", type: T.Integer, value: (r: number) => r },
        { number: 8, name: "ifOperStatus", type: T.Integer, value: () => 1 },
        { number: 14, name: "ifInErrors", type: T.Counter32, value: (r: number) => Math.floor(secs() * (r % 3)) },
        { number: 20, name: "ifOutErrors", type: T.Counter32, value: () => 0 },
      ],
      rows: list,
      suffix: (r: number) => String(r),
    });
    registerLazyTable(mib, {
      name: "ifXTable",
      entryOid: IFX,
      augments: "ifTable",
      columns: [
        { number: 1, name: "ifName", type: T.OctetString, value: (r: number) => `Gi${Math.floor(r / 48)}/${r % 48}` },
        { number: 6, name: "ifHCInOctets", type: T.Counter64, value: (r: number) => c64(1e9 + secs() * 125_000 * (r % 100)) },
        { number: 10, name: "ifHCOutOctets", type: T.Counter64, value: (r: number) => c64(2e9 + secs() * 60_000 * (r % 100)) },
      ],
      rows: list,
      suffix: (r: number) => String(r),
    });
    bound = true;
    resolve();
  });
  process.stdout.write("ready\n");
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

function child(args: string[]): Promise<ChildProcess> {
  const p = spawn(process.execPath, [RUN_TS, SELF, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: p.stdout as NodeJS.ReadableStream });
    lines.once("line", (l) => (l === "ready" ? resolve(p) : reject(new Error(`child said ${l}`))));
    p.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
  });
}

/** One cycle over every target (all devices at once, as the scheduler would); CPU and varbinds. */
async function cycle(collector: SnmpCollector, targets: Target[], encode: boolean): Promise<{ cpuS: number; wallS: number; varbinds: number; samples: number; bytes: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const before = varbindCount;
  let samples = 0;
  let bytes = 0;
  await Promise.all(
    targets.map(async (t) => {
      const r = await collector.collect(t as Extract<Target, { kind: "snmp" }>, AbortSignal.timeout(600_000));
      samples += r.samples.length;
      if (encode) for (let i = 0; i < r.samples.length; i += 2000) bytes += encodeWriteRequest(groupSamples(r.samples.slice(i, i + 2000))).length;
    }),
  );
  const c = process.cpuUsage(c0);
  return { cpuS: (c.user + c.system) / 1e6, wallS: (performance.now() - t0) / 1000, varbinds: varbindCount - before, samples, bytes };
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

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const name = "snmp-scale";
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const sizes = quick ? [1000, 10_000] : [1000, 10_000, 100_000];
  const children: ChildProcess[] = [];
  try {
    for (const size of sizes) {
      const devices = Math.max(1, Math.ceil(size / ROWS_PER_DEVICE));
      const targets: Target[] = [];
      for (let i = 0; i < devices; i++) {
        const host = deviceHost(i);
        const port = await freeUdpPort(host);
        children.push(await child(["serve", host, String(port), String(Math.min(ROWS_PER_DEVICE, size - i * ROWS_PER_DEVICE))]));
        targets.push({ kind: "snmp", id: `snmp:scale-${i}`, device: `scale-${i}`, host, port, auth: "v2c", modules: ["if_scale"], intervalSeconds: 60 });
      }
      global.gc?.();
      const rss0 = process.memoryUsage().rss;
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
      pool.close();
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
    children.push(await child(["city", String(seed), String(snmpPort)]));
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
    const { buildAgent } = await import("../agents/build.ts");
    const bundle = await buildAgent();
    const [bundled, tsx] = await Promise.all([idleRss([bundle.outfile]), idleRss([join(import.meta.dirname, "../bin/cityplane.js"), "agent"])]);
    metrics.idle_rss_mb_bundled = mb(bundled);
    metrics.idle_rss_mb_tsx = mb(tsx);
    metrics.bundle_kib = Math.round(bundle.bytes / 1024);
    notes.push(`interfaces: ${ROWS_PER_DEVICE} per synthetic device (net-snmp agent per process), 6 columns walked + ifName lookup, v2c, all devices polled at once; cost = poller process CPU of the second cycle (rates on) incl. remote-write encoding`);
    notes.push(`city: ${targets.length} simulated devices (SNMPv3 authPriv SHA/AES), modules per role as the control plane assigns them, mean of ${cycles} cycles after a warm-up cycle`);
    return { name, metrics, notes: notes.join("; ") };
  } finally {
    for (const c of children) c.kill("SIGTERM");
  }
}

if (process.argv[1] === SELF && process.argv[2] === "serve") await serve(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
if (process.argv[1] === SELF && process.argv[2] === "city") await city(Number(process.argv[3]), Number(process.argv[4]));
