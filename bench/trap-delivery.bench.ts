import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { io as connect, type Socket } from "socket.io-client";
import { loadConfig } from "../config/config.ts";
import { loadInventoryOrThrow } from "../inventory/inventory.loader.ts";
import type { CityEvent } from "../protocol/event.schema.ts";
import { ensureAdminCredentials } from "../services/auth/admin-credentials.ts";
import { issueAgentToken, loadAgentTokens } from "../services/auth/agent-tokens.ts";
import { buildControlPlane } from "../services/server.ts";
import { openStore } from "../services/store/open-store.ts";
import { managementResolver } from "../services/targets/address-resolver.ts";
import type { BenchOptions, BenchResult } from "./bench.ts";
import { freeTcpPort, findBinary } from "./lib/peers.ts";
import { freeUdpPort, sendTrap, snmptrapAlone, startAgent, writeAgentConfig, type TrapCredentials, type TrapSpec } from "./lib/trap-delivery-agent.ts";

/**
 * Trap delivery end to end (issue "Benchmarks", item 6): Debian's `snmptrap` → a real
 * `cityplane agent` process (trap receiver, shipper with its default flush settings, disk
 * spool) → HTTP ingest of a control plane on SQLite → the `/console` socket of a logged-in
 * admin subscribed to "events". Traps are sent one at a time, each waited for, so the figures
 * are latency, not queueing. Timed from just before `snmptrap` is spawned to (a) the commit
 * (the live bus publishes an ingested batch right after the store's commit) and (b) receipt on
 * the console socket; `snmptrap`'s own spawn → exit is reported so it can be subtracted.
 */
const CP_HOST = "127.62.0.1";
const AGENT_HOST = "127.62.0.2";
/** Where snmptrap alone sends: a plain UDP socket. */
const SINK_HOST = "127.62.0.3";
const AGENT_NAME = "trap-bench";
/** linkDown / linkUp (IF-MIB notifications) and the ifIndex / ifDescr columns they carry. */
const OID = { linkDown: "1.3.6.1.6.3.1.1.5.3", linkUp: "1.3.6.1.6.3.1.1.5.4", ifIndex: "1.3.6.1.2.1.2.2.1.1", ifDescr: "1.3.6.1.2.1.2.2.1.2" } as const;
/** How long one trap may take to reach the console before it counts as missing. */
const PER_TRAP_TIMEOUT_MS = 10_000;
/** Every fifth trap is SNMPv3 authPriv (SHA/AES), the rest v2c. */
const V3_EVERY = 5;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const ms = (v: number): number => Number(v.toFixed(1));

/** Trap `i`: linkDown and linkUp in turn, every fifth v3; the marker travels as ifDescr. */
function trapSpec(i: number, marker: string): TrapSpec {
  const ifIndex = i + 1;
  return {
    version: i % V3_EVERY === V3_EVERY - 1 ? "3" : "2c",
    trapOid: i % 2 === 0 ? OID.linkDown : OID.linkUp,
    varbinds: [`${OID.ifIndex}.${ifIndex}`, "i", String(ifIndex), `${OID.ifDescr}.${ifIndex}`, "s", marker],
  };
}

interface Pending {
  commit?: number;
  /** Wall clock at the commit minus the event's `ts`, which the agent stamps at receipt. */
  receiptToCommit?: number;
  console?: number;
  settle: () => void;
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const snmptrap = findBinary("snmptrap");
  if (snmptrap === undefined) return { name: "trap-delivery", metrics: {}, skipped: "snmptrap not installed" };

  const dir = mkdtempSync(join(tmpdir(), "cityplane-bench-trap-delivery-"));
  try {
    return await measure(dir, snmptrap, quick);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The measurement, in `dir` (scratch, deleted by the caller). */
async function measure(dir: string, snmptrap: string, quick: boolean): Promise<BenchResult> {
  const traps = quick ? 50 : 300;
  const warmup = 10;
  const dataDir = join(dir, "control-plane");
  mkdirSync(dataDir);
  // snmptrap saves engine state on exit: keep it in the scratch directory, not the user's home.
  const snmpEnv = { ...process.env, SNMP_PERSISTENT_DIR: join(dir, "snmp-state"), MIBS: "" };
  const creds: TrapCredentials = {
    community: `bench-${randomBytes(6).toString("hex")}`,
    v3: { username: "trapbench", authPassword: randomBytes(12).toString("base64url"), privPassword: randomBytes(12).toString("base64url") },
  };
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  // First, while nothing else runs: snmptrap's own cost, to subtract from the figures below.
  const alone = await snmptrapAlone(snmptrap, SINK_HOST, creds, Array.from({ length: traps }, (_, i) => trapSpec(warmup + i, `tdb-${runId}-alone-${i}`)), snmpEnv);
  const cfg = loadConfig({ env: { CITYPLANE_DATA_DIR: dataDir, CITYPLANE_HOST: CP_HOST, CITYPLANE_LOG_LEVEL: "warn" }, cwd: process.cwd() });
  if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
  const store = await openStore({ dataDir });
  const token = await issueAgentToken(dataDir, AGENT_NAME);
  const admin = await ensureAdminCredentials(dataDir);
  const cp = await buildControlPlane({
    config: cfg.config, store, inventory: await loadInventoryOrThrow("test/fixtures/inventory/valid-minimal.yaml"), resolver: managementResolver,
    agentTokens: await loadAgentTokens(dataDir), admin: admin.stored, logger: false,
  });
  // The agent is here for its traps: assign it nothing to poll (the fixture's devices are not on loopback).
  cp.assignments.setTargets([]);
  const url = await cp.listen(CP_HOST, 0);
  const pending = new Map<string, Pending>();
  const markerOf = (e: CityEvent): string | undefined => (typeof e.attributes.ifDescr === "string" ? e.attributes.ifDescr : undefined);
  const seen = (field: "commit" | "console", events: readonly CityEvent[], at: number): void => {
    for (const e of events) {
      const p = pending.get(markerOf(e) ?? "");
      if (p === undefined || p[field] !== undefined) continue;
      p[field] = at;
      if (field === "commit") p.receiptToCommit = Date.now() - e.ts;
      if (p.commit !== undefined && p.console !== undefined) p.settle();
    }
  };
  // The ingest route publishes a batch on the bus right after the store has committed it.
  const unsubscribe = cp.bus.subscribe((topic, payload) => {
    if (topic === "events" || topic === "security") seen("commit", payload as CityEvent[], performance.now());
  });
  let consoleSocket: Socket | undefined;
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  try {
    // The console's own way in: log in with the admin credentials, then the session token as auth.token.
    const login = await fetch(`${url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: admin.username, password: admin.generatedPassword }) });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
    const session = ((await login.json()) as { token: string }).token;
    const socket = connect(`${url}/console`, { auth: { token: session }, transports: ["websocket"], reconnection: false, forceNew: true });
    consoleSocket = socket;
    await new Promise<void>((res, rej) => (socket.connected ? res() : (socket.once("connect", () => res()), socket.once("connect_error", rej))));
    const joined = (await socket.timeout(5000).emitWithAck("subscribe", { topics: ["events"] })) as { ok: boolean };
    if (!joined.ok) throw new Error("the console socket could not join the events topic");
    socket.on("events", (batch: CityEvent[]) => seen("console", batch, performance.now()));

    const trapTarget = `${AGENT_HOST}:${await freeUdpPort(AGENT_HOST)}`;
    const configPath = writeAgentConfig(dir, {
      name: AGENT_NAME, controlPlaneUrl: url, token, creds,
      httpListen: `${AGENT_HOST}:${await freeTcpPort(AGENT_HOST)}`, trapListen: trapTarget,
    });
    agent = await startAgent(configPath, (quick ? 3 : 6) * 60_000);

    const committed: number[] = [];
    const received: number[] = [];
    const spawnToExit: number[] = [];
    const v3Committed: number[] = [];
    const agentToCommit: number[] = [];
    let missing = 0;
    let v3Sent = 0;
    let consecutiveMissing = 0;
    const startedMs = Date.now();
    const deadline = performance.now() + (quick ? 2 : 5) * 60_000;
    for (let i = 0; i < warmup + traps; i++) {
      if (performance.now() > deadline) throw new Error(`only ${i - warmup} of ${traps} traps sent before the time limit`);
      const marker = `tdb-${runId}-${i}`;
      const spec = trapSpec(i, marker);
      let settle = (): void => undefined;
      const done = new Promise<void>((r) => (settle = r));
      const p: Pending = { settle };
      pending.set(marker, p);
      const t0 = performance.now();
      const exitedAt = await sendTrap(snmptrap, trapTarget, creds, spec, snmpEnv);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, PER_TRAP_TIMEOUT_MS)))]);
      clearTimeout(timer);
      pending.delete(marker);
      if (i < warmup) {
        // Warm-up traps open the shipper's connection and warm the JIT: they must arrive, not be fast.
        if (p.console === undefined) throw new Error(`warm-up trap ${i} did not reach the console within ${PER_TRAP_TIMEOUT_MS / 1000} s; agent: ${agent.child.stderrTail().trim().slice(-800)}`);
        continue;
      }
      spawnToExit.push(exitedAt - t0);
      if (spec.version === "3") v3Sent++;
      if (p.commit === undefined || p.console === undefined) {
        missing++;
        if (++consecutiveMissing >= 3) throw new Error(`three traps in a row did not arrive; agent: ${agent.child.stderrTail().trim().slice(-800)}`);
        continue;
      }
      consecutiveMissing = 0;
      committed.push(p.commit - t0);
      received.push(p.console - t0);
      agentToCommit.push(p.receiptToCommit as number);
      if (spec.version === "3") v3Committed.push(p.commit - t0);
    }

    // Lost means not in the store, whatever the live path saw: count the markers stored.
    const stored = await store.events({ fromMs: startedMs - 60_000, kind: "trap", limit: 10 * (warmup + traps) });
    const markers = new Set(stored.map(markerOf).filter((m) => m?.startsWith(`tdb-${runId}-`)));
    const lost = warmup + traps - markers.size;
    return {
      name: "trap-delivery",
      metrics: {
        traps_sent: traps,
        traps_v3_authpriv: v3Sent,
        committed_p50_ms: ms(percentile(committed, 50)),
        committed_p99_ms: ms(percentile(committed, 99)),
        console_p50_ms: ms(percentile(received, 50)),
        console_p99_ms: ms(percentile(received, 99)),
        snmptrap_alone_p50_ms: ms(percentile(alone, 50)),
        snmptrap_alone_p99_ms: ms(percentile(alone, 99)),
        snmptrap_in_run_p50_ms: ms(percentile(spawnToExit, 50)),
        committed_v3_p50_ms: ms(percentile(v3Committed, 50)),
        agent_receipt_to_commit_p50_ms: percentile(agentToCommit, 50),
        agent_receipt_to_commit_p99_ms: percentile(agentToCommit, 99),
        traps_lost: lost,
        traps_missed_by_console: missing,
      },
      notes:
        `${traps} traps after ${warmup} warm-up ones, one at a time, from ${snmptrap} (v2c linkDown/linkUp, every ${V3_EVERY}th SNMPv3 authPriv SHA/AES) to a cityplane agent ` +
        "(the bundle, built afresh) shipping with its default settings " +
        "(an event schedules a flush at once; the 1 s flush interval is for samples), fdatasync'd spool, HTTP to a control plane on SQLite, one /console admin socket. " +
        "Times from just before snmptrap is spawned; snmptrap alone is spawn → exit of the same traps to a plain UDP socket, the datagram leaves before snmptrap exits, so subtracting it understates the path after the datagram; " +
        "agent receipt → commit is that path itself, from the event's ts (stamped by the agent at receipt) to the control plane's clock at the commit, same machine, whole milliseconds.",
    };
  } finally {
    unsubscribe();
    consoleSocket?.disconnect();
    await agent?.stop();
    await cp.close();
    await store.close();
  }
}
