/**
 * CPU per polled varbind: `cityplane agent` vs prometheus-snmp-exporter (Debian), both asked
 * for the same if_mib module on the same snmpd through their `/snmp` endpoints, alternating,
 * each charged with its own whole-process CPU (/proc/<pid>/stat utime+stime). Then the
 * continuous mode on the same snmpd, in this process: poll → decode → counter rates →
 * remote-write encoding (what the shipper sends), per varbind.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freeTcpPort, freeUdpPort, peerPath } from "../test/peers.ts";
import { startSnmpd } from "../agents/snmp/snmpd-peer.ts";
import { ifMibModule } from "../agents/snmp/modules/if-mib.module.ts";
import { SnmpCollector } from "../agents/snmp/snmp-collector.ts";
import { snmpModuleRegistry } from "../agents/snmp/snmp-module-registry.ts";
import { SnmpSessionPool } from "../agents/snmp/snmp-session-pool.ts";
import { encodeWriteRequest, groupSamples } from "../protocol/remote-write.codec.ts";
import type { BenchOptions, BenchResult } from "./bench.ts";
import { processCpuSeconds, processRssBytes } from "./lib/proc-stats.ts";

const HOST = "127.30.4.1";

/** CPU seconds of this process per varbind over `passes` continuous passes (after a warm-up). */
async function continuousCpuPerVarbind(host: string, port: number, community: string, passes: number): Promise<{ perVarbind: number; encodeShare: number }> {
  const pool = new SnmpSessionPool({ timeoutMs: 5000, retries: 0, concurrency: 1, idleMs: 600_000, onBadPacket: () => undefined });
  let varbinds = 0;
  const collector = new SnmpCollector({ agent: "bench", auths: { v2c: { version: "2c", community } }, modules: snmpModuleRegistry({}), pool, recheckMs: 15_000, observer: { polled: (_t, _s, vb) => void (varbinds += vb), failed: () => undefined } });
  const target = { kind: "snmp" as const, id: "snmp:bench", device: "bench", host, port, auth: "v2c", modules: ["if_mib"], intervalSeconds: 60 };
  let encodeUs = 0;
  const pass = async () => {
    const r = await collector.collect(target, AbortSignal.timeout(5000));
    const e0 = process.cpuUsage();
    encodeWriteRequest(groupSamples(r.samples));
    const e = process.cpuUsage(e0);
    encodeUs += e.user + e.system;
  };
  try {
    for (let i = 0; i < 50; i++) await pass();
    varbinds = 0;
    encodeUs = 0;
    const c0 = process.cpuUsage();
    for (let i = 0; i < passes; i++) await pass();
    const c = process.cpuUsage(c0);
    return { perVarbind: (c.user + c.system) / 1e6 / varbinds, encodeShare: encodeUs / (c.user + c.system) };
  } finally {
    pool.close();
  }
}

/** The if_mib module in snmp_exporter 0.21's generated-config format. */
export function exporterConfig(community: string): string {
  return stringify({
    if_mib: {
      walk: ifMibModule.walk,
      get: ifMibModule.get,
      version: 2,
      max_repetitions: ifMibModule.maxRepetitions,
      retries: 0,
      timeout: "5s",
      auth: { community },
      metrics: ifMibModule.metrics.map((m) => ({ name: m.name, oid: m.oid, type: m.type, help: m.help ?? m.name, ...(m.indexes.length ? { indexes: m.indexes } : {}), ...(m.lookups.length ? { lookups: m.lookups } : {}), ...(m.enumValues ? { enum_values: new Map(Object.entries(m.enumValues).map(([k, v]) => [Number(k), v])) } : {}) })),
    },
  });
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const name = "snmp-poll";
  const exporterBin = peerPath("prometheus-snmp-exporter");
  if (peerPath("snmpd") === undefined || exporterBin === undefined || peerPath("snmpbulkwalk") === undefined) return { name, metrics: {}, skipped: "needs snmpd, snmpbulkwalk and prometheus-snmp-exporter" };
  const dir = mkdtempSync(join(tmpdir(), "cityplane-bench-snmp-"));
  const snmpd = await startSnmpd(HOST, await freeUdpPort(HOST));
  const procs: ChildProcess[] = [];
  try {
    const exporterPort = await freeTcpPort(HOST);
    const agentPort = await freeTcpPort(HOST);
    writeFileSync(join(dir, "snmp.yml"), exporterConfig(snmpd.community));
    writeFileSync(join(dir, "agent.yaml"), stringify({ name: "bench", auths: { v2c: { version: "2c", community: snmpd.community } } }));
    const exporter = spawn(exporterBin, [`--config.file=${join(dir, "snmp.yml")}`, `--web.listen-address=${HOST}:${exporterPort}`], { stdio: "ignore" });
    const agent = spawn(process.execPath, [join(import.meta.dirname, "../bin/cityplane.js"), "agent", "--config", join(dir, "agent.yaml"), "--listen", `${HOST}:${agentPort}`], { stdio: "ignore" });
    procs.push(exporter, agent);
    const sides = [
      { label: "exporter", pid: exporter.pid as number, url: `http://${HOST}:${exporterPort}/snmp?target=${HOST}:${snmpd.port}&module=if_mib` },
      { label: "agent", pid: agent.pid as number, url: `http://${HOST}:${agentPort}/snmp?target=${HOST}:${snmpd.port}&module=if_mib&auth=v2c` },
    ];
    await waitHttp(`http://${HOST}:${exporterPort}/metrics`);
    await waitHttp(`http://${HOST}:${agentPort}/healthz`);
    const walked = execFileSync(peerPath("snmpbulkwalk") as string, ["-v2c", "-c", snmpd.community, "-On", `${HOST}:${snmpd.port}`, "1.3.6.1.2.1.2"]).toString().trim().split("\n").length + execFileSync(peerPath("snmpbulkwalk") as string, ["-v2c", "-c", snmpd.community, "-On", `${HOST}:${snmpd.port}`, "1.3.6.1.2.1.31.1.1"]).toString().trim().split("\n").length + 1;
    for (const s of sides) for (let i = 0; i < 20; i++) await (await fetch(s.url)).text(); // warm-up (JIT, v3 discovery, sessions)
    const rounds = quick ? 100 : 600;
    const cpu = { exporter: 0, agent: 0 };
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
        const before = processCpuSeconds(s.pid);
        const res = await fetch(s.url);
        const text = await res.text();
        if (!res.ok || !text.includes("ifHCInOctets")) throw new Error(`${s.label} scrape failed: ${text.slice(0, 200)}`);
        await new Promise((done) => setTimeout(done, 5));
        cpu[s.label as "agent" | "exporter"] += processCpuSeconds(s.pid) - before;
      }
    }
    const perK = (sec: number) => (sec / (rounds * walked)) * 1000;
    const continuous = await continuousCpuPerVarbind(HOST, snmpd.port, snmpd.community, rounds);
    return {
      name,
      metrics: {
        varbinds_per_scrape: walked,
        scrapes_each: rounds,
        agent_cpu_seconds_per_1k_varbinds: perK(cpu.agent),
        exporter_cpu_seconds_per_1k_varbinds: perK(cpu.exporter),
        cpu_per_varbind_ratio: cpu.agent / cpu.exporter,
        continuous_cpu_seconds_per_1k_varbinds: continuous.perVarbind * 1000,
        continuous_vs_exporter_scrape_ratio: (continuous.perVarbind * 1000) / perK(cpu.exporter),
        continuous_remote_write_encoding_share: continuous.encodeShare,
        agent_rss_bytes: processRssBytes(agent.pid as number),
      },
      notes: `snmpd on loopback, if_mib, ${walked} varbinds per scrape, alternating; CPU ticks are 10 ms, so quick runs are noisy. continuous_*: the scheduled path in the bench process (poll, rates, remote-write encoding), no HTTP`,
    };
  } finally {
    for (const p of procs) p.kill("SIGTERM");
    await snmpd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
