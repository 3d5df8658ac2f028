/**
 * The simulated city's promises (sim/): the full Da Nang inventory starts in < 10 s, idles under
 * 5 % of one core and 400 MB RSS, and one simulated device answers ≥ 5,000 GETBULK varbinds/s.
 * The city runs as `cityplane sim` in its own process, so its CPU and memory are its own.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { BenchOptions, BenchResult } from "./bench.ts";
import { startBoundedChild } from "./lib/bounded-child.ts";
import { processCpuSeconds, processRssBytes } from "./lib/proc-stats.ts";
import { loadInventoryOrThrow } from "../inventory/inventory.loader.ts";
import { listSimCity } from "../sim/sim-listing.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const snmp: any = createRequire(import.meta.url)("net-snmp");
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PREFIX = "127.23";
const SNMP_PORT = 1171;
const SSH_PORT = 2232;
const SEED = 1;

/** GETBULK of ifXTable from one device for `seconds`, one request at a time (as one poller would). */
async function getBulkRate(host: string, community: string, seconds: number): Promise<{ varbindsPerSecond: number; requests: number }> {
  const s = snmp.createSession(host, community, { port: SNMP_PORT, version: snmp.Version2c, timeout: 2000, retries: 0 });
  s.on("error", () => undefined);
  const base = "1.3.6.1.2.1.31.1.1.1";
  let varbinds = 0;
  let requests = 0;
  const until = Date.now() + seconds * 1000;
  let next = base;
  while (Date.now() < until) {
    // With no non-repeaters, net-snmp hands back one array per repeated OID: [[vb, vb, …]].
    const reply: { oid: string }[][] = await new Promise((res, rej) => s.getBulk([next], 0, 50, (err: Error | null, v: { oid: string }[][]) => (err ? rej(err) : res(v))));
    const vbs = reply.flat();
    requests++;
    varbinds += vbs.length;
    const last = vbs[vbs.length - 1]?.oid ?? base;
    next = last.startsWith(`${base}.`) ? last : base;
  }
  s.close();
  return { varbindsPerSecond: varbinds / seconds, requests };
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const idleSeconds = quick ? 5 : 20;
  const inventory = await loadInventoryOrThrow(`${ROOT}inventory/danang.yaml`);
  const listing = listSimCity(inventory, { seed: SEED, addressPrefix: PREFIX, snmpPort: SNMP_PORT, sshPort: SSH_PORT });
  const started = Date.now();
  const child = await startBoundedChild(process.execPath, {
    args: [`${ROOT}bin/cityplane.js`, "sim", "--seed", String(SEED), "--prefix", PREFIX, "--snmp-port", String(SNMP_PORT), "--ssh-port", String(SSH_PORT)],
    cwd: ROOT,
    lifetimeMs: (idleSeconds + 60) * 1000,
  });
  try {
    const line = await child.waitForLine(/simulated city up in (\d+) ms/, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${child.stderrTail()}`);
    });
    const startWallMs = Date.now() - started;
    const startInternalMs = Number(/up in (\d+) ms/.exec(line)?.[1]);
    // Let start-up settle (JIT, first GC), then measure the idle city.
    await new Promise((r) => setTimeout(r, 2000));
    const cpu0 = processCpuSeconds(child.pid);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idleCpuPercent = ((processCpuSeconds(child.pid) - cpu0) / ((Date.now() - t0) / 1000)) * 100;
    const rssMb = processRssBytes(child.pid) / 1024 ** 2;
    const core = listing.devices.find((d) => d.name === "dc-core-1");
    if (!core) throw new Error("dc-core-1 missing from the listing");
    const bulk = await getBulkRate(core.snmp.host, core.snmp.community, quick ? 3 : 10);
    return {
      name: "sim",
      metrics: {
        devices: listing.devices.length,
        start_wall_ms: startWallMs,
        start_city_ms: startInternalMs,
        idle_cpu_percent_of_one_core: Number(idleCpuPercent.toFixed(2)),
        idle_rss_mb: Number(rssMb.toFixed(1)),
        getbulk_varbinds_per_second: Math.round(bulk.varbindsPerSecond),
        getbulk_requests: bulk.requests,
      },
      notes: `start_wall_ms includes Node and tsx start-up; start_city_ms is startSimCity alone. Targets: start < 10000 ms, idle < 5 %, RSS < 400 MB, GETBULK ≥ 5000 varbinds/s (maxRepetitions 50, one request at a time).`,
    };
  } finally {
    await child.stop();
  }
}
