import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Agent } from "../../agents/agent.ts";
import { parseAgentConfig } from "../../agents/config/agent-config.ts";
import { MemorySink } from "../../agents/sink.ts";
import { startTypeScriptChild, type BoundedChild } from "../../bench/lib/bounded-child.ts";
import type { CityEvent } from "../../protocol/event.schema.ts";
import { freeUdpPort } from "../peers.ts";
import type { FloodPlan, FloodSent } from "./trap-flood-sender.main.ts";

/**
 * RELIABILITY.md's trap flood: one source floods the agent's trap receiver while ten others send
 * at an ordinary pace, each from its own loopback address, with real SNMPv2c traps from a
 * separate process (trap-flood-sender.main.ts). The agent runs with its default trap rate limit
 * (50/s, burst 200 per source). "Stored" is delivered to the sink the agent ships to.
 *
 * Where each datagram is counted: the sender counts what the kernel accepted from it; the
 * kernel counts what it dropped at the receiver's socket because its buffer was full (the
 * `drops` column of /proc/net/udp for that one socket, so other tests' traffic does not
 * enter); the receiver counts what it accepted (events in the sink) and what it dropped by rate
 * limit (cityplane_agent_traps_dropped_total). The three must add up to what was sent. A
 * kernel drop cannot be told apart by source, so that sum is taken over all sources together;
 * each normal source's traps are then counted one by one in the sink.
 */
export interface TrapFloodOptions {
  /** First three octets of the test's addresses (each run its own /24): senders .1 and .11–.20, receiver .100. */
  prefix: string;
  seconds: number;
  floodPerSecond: number;
  /** Each of the ten normal sources. */
  normalPerSecond: number;
  /**
   * Let normal traps be lost as long as the kernel counted at least as many drops at the
   * receiver's socket. For the fast tier, which runs beside other test files: the agent's
   * socket keeps the default 208 KiB receive buffer, about 50 ms of a 5,000/s flood, so a
   * stall of its event loop that long on a loaded machine overflows it (seen here: 978 of
   * 15,041 dropped in one 3 s run, none in the next). The soak tier holds the promise as written.
   */
  tolerateKernelDrops: boolean;
}

const COMMUNITY = "trap-flood-test";
const NORMAL_SOURCES = 10;
/** The agent's default traps.rateLimit. */
const RATE = { perSecond: 50, burst: 200 };
/** Quiet time after which a storm may be declared over: as long as the burst takes to refill. */
const QUIET_MS = (RATE.burst / RATE.perSecond) * 1000;

/** Receive-buffer drops the kernel counted for the UDP socket bound to host:port (/proc/net/udp). */
export function udpSocketDrops(host: string, port: number, table = readFileSync("/proc/net/udp", "utf8")): number {
  // /proc/net/udp writes the address as the kernel holds it: the 32-bit word in host (little-endian) order.
  const local = `${host.split(".").reverse().map((o) => Number(o).toString(16).padStart(2, "0")).join("")}:${port.toString(16).padStart(4, "0")}`.toUpperCase();
  const line = table.split("\n").find((l) => l.trim().split(/\s+/)[1] === local);
  if (line === undefined) throw new Error(`no UDP socket bound to ${host}:${port} in /proc/net/udp`);
  return Number(line.trim().split(/\s+/).at(-1));
}

/** The trap-flood test at the given scale; call inside a describe. */
export function trapFloodSuite(o: TrapFloodOptions): void {
  const receiverHost = `${o.prefix}.100`;
  const flooder = `${o.prefix}.1`;
  const normals = Array.from({ length: NORMAL_SOURCES }, (_, i) => `${o.prefix}.${11 + i}`);
  const sink = new MemorySink();
  let agent: Agent | undefined;
  let sender: BoundedChild | undefined;
  let port: number;
  let result: FloodSent;
  let kernelDrops: number;
  /** CPU of this process (the agent; the senders have their own) from the start of the flood to the closing trap. */
  let receiverCpuSeconds: number;
  let metrics: string;
  const counter = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, "m").exec(metrics)?.[1] ?? 0);
  const from = (source: string, type: string) => sink.eventLog.filter((e) => e.source === source && e.type === type);

  beforeAll(async () => {
    port = await freeUdpPort(receiverHost);
    const text = `name: trap-flood\nlisten: ${receiverHost}:0\nauths:\n  traps: {version: "2c", community: ${COMMUNITY}}\ntraps: {listen: "${receiverHost}:${port}", auths: [traps]}\n`;
    const cfg = parseAgentConfig(text, "agent.yaml", process.cwd());
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    agent = await Agent.start({ config: cfg.config, findings: [], sink });
    const plan: FloodPlan = { target: { host: receiverHost, port }, community: COMMUNITY, captureHost: `${o.prefix}.250`, flood: { host: flooder, perSecond: o.floodPerSecond }, normal: { hosts: normals, perSecond: o.normalPerSecond }, seconds: o.seconds, pauseMs: QUIET_MS + 1000 };
    const budgetMs = o.seconds * 1000 + 45_000;
    sender = await startTypeScriptChild(new URL("./trap-flood-sender.main.ts", import.meta.url), { args: [JSON.stringify(plan)], lifetimeMs: budgetMs });
    const done = sender.waitForLine(/^done /, budgetMs);
    done.catch(() => undefined); // awaited below; a failure before then is reported by the await on "ready"
    await sender.waitForLine(/^ready$/, 30_000);
    const cpu = process.cpuUsage();
    result = JSON.parse((await done).slice("done ".length)) as FloodSent;
    const used = process.cpuUsage(cpu);
    receiverCpuSeconds = (used.user + used.system) / 1e6;
    // The receiver works through its socket's backlog after the sender is done: wait until
    // every datagram is accounted for, or for the counts to stop moving.
    const sentTotal = Object.values(result.sent).reduce((a, b) => a + b, 0);
    let seen = -1;
    for (let stable = 0, until = Date.now() + 30_000; Date.now() < until && stable < 10; ) {
      metrics = await (await fetch(`http://${agent.address}/metrics`)).text();
      kernelDrops = udpSocketDrops(receiverHost, port);
      const rateLimited = counter("cityplane_agent_traps_dropped_total", 'reason="rate_limit"');
      const handled = counter("cityplane_agent_traps_received_total", 'version="2c"') + rateLimited + kernelDrops;
      const reported = from(flooder, "trap-storm-ended").reduce((a, e) => a + (e.attributes.dropped as number), 0);
      if (handled === sentTotal && reported === rateLimited) break;
      stable = handled === seen ? stable + 1 : 0;
      seen = handled;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, o.seconds * 1000 + 90_000);
  afterAll(async () => {
    await sender?.stop();
    await agent?.stop();
  });

  it("delivers every trap of the ten normal sources, each once", () => {
    expect(result.floodSeconds, "the sender kept its pace").toBeLessThan(o.seconds * 2);
    let lost = 0;
    for (const host of normals) {
      const sent = result.sent[host] as number;
      expect(sent).toBe(Math.round(o.normalPerSecond * o.seconds));
      const got = from(host, "linkDown").map((e) => e.attributes.ifDescr);
      expect(new Set(got).size, `${host}: distinct traps`).toBe(got.length);
      expect(sink.eventLog.filter((e) => e.source === host && e.type.startsWith("trap-storm")), `${host}: storm events`).toEqual([]);
      lost += sent - got.length;
    }
    console.info(`trap flood ${o.floodPerSecond}/s × ${o.seconds} s: normal traps lost ${lost} of ${normals.length * Math.round(o.normalPerSecond * o.seconds)}; datagrams dropped by the kernel at the receiver's socket ${kernelDrops}`);
    if (o.tolerateKernelDrops) expect(lost, "normal traps lost beyond what the kernel dropped").toBeLessThanOrEqual(kernelDrops);
    else expect(lost, `normal traps lost (the kernel dropped ${kernelDrops} datagrams at the receiver's socket)`).toBe(0);
  });

  it("accounts for every trap exactly: accepted + rate-limited + dropped by the kernel = sent", () => {
    const accepted = from(flooder, "linkDown").length;
    const rateLimited = counter("cityplane_agent_traps_dropped_total", 'reason="rate_limit"');
    const sent = result.sent[flooder] as number;
    const sentTotal = Object.values(result.sent).reduce((a, b) => a + b, 0);
    const received = counter("cityplane_agent_traps_received_total", 'version="2c"');
    console.info(`trap flood ${o.floodPerSecond}/s × ${o.seconds} s (took ${result.floodSeconds.toFixed(2)} s): flooder sent ${sent}, accepted ${accepted}, rate-limited ${rateLimited}; all sources sent ${sentTotal}, accepted ${received}, dropped by the kernel ${kernelDrops}; agent CPU ${receiverCpuSeconds.toFixed(2)} s`);
    expect(received + rateLimited + kernelDrops).toBe(sentTotal);
    expect(received).toBe(sink.eventLog.filter((e) => e.type === "linkDown").length);
    // Rate limited to its burst plus 50/s over the flood (and up to 3 s more: the receiver may
    // still be working through its backlog after the sender is done), the closing trap included.
    expect(rateLimited).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(RATE.burst + Math.ceil(RATE.perSecond * (result.floodSeconds + 3)) + 1);
    // Every rate-limited trap is in the drop count of a storm-ended event (the last storm ends,
    // at the latest, with the closing trap sent after a quiet time).
    expect(from(flooder, "trap-storm-ended").reduce((a, e) => a + (e.attributes.dropped as number), 0)).toBe(rateLimited);
  });

  // Before the limiter ended a storm only after a quiet period, a sustained flood was reported
  // as about 50 storms a second (149 storm and 149 storm-ended events for 3 s at 5,000/s).
  it("reports the flood as one trap storm, ended with its exact drop count", () => {
    const rateLimited = counter("cityplane_agent_traps_dropped_total", 'reason="rate_limit"');
    const storms = from(flooder, "trap-storm");
    const ended = from(flooder, "trap-storm-ended");
    expect({ storms: storms.length, ended: ended.length }).toEqual({ storms: 1, ended: 1 });
    expect((ended[0] as CityEvent).attributes.dropped).toBe(rateLimited);
  });
}
