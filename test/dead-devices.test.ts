import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../agents/agent.ts";
import { parseAgentConfig } from "../agents/config/agent-config.ts";
import type { Sink } from "../agents/sink.ts";
import { ScaleDevices } from "../bench/lib/snmp-scale-device.ts";
import type { CityEvent } from "../protocol/event.schema.ts";
import type { Sample } from "../protocol/remote-write.codec.ts";

/**
 * RELIABILITY.md promise 5, "a dead device never slows the living": one agent polls 200 SNMP
 * devices from a static target file, 150 answering (the benchmark's synthetic v2c devices:
 * pre-encoded answers, so the devices cost next to nothing beside the poller) and 50
 * black-holed (UDP sockets that read every request and never answer, as a powered-off switch
 * behind a live router looks to the poller). The interval is generous for a loaded two-core
 * machine on purpose: the point is that the dead devices do not eat into it, not raw speed.
 */
const HEALTHY = 150;
const DEAD = 50;
const INTERVAL_S = 6;
/** Shorter than the interval, so a recheck is told from a pass; several timeouts long, as the defaults are (15 s against 2 s). */
const RECHECK_S = 4;
/** Passes every device must complete; about three intervals of polling. */
const PASSES = 3;
const COMMUNITY = "dead-devices-test";
const AGENT_HOST = "127.71.0.1";
const healthyHost = (i: number) => `127.71.1.${1 + i}`;
const deadHost = (i: number) => `127.71.2.${1 + i}`;

/** One pass of one device as the sink saw it: when the agent stamped it, when it arrived, and whether the device answered. */
interface Pass {
  tsMs: number;
  arrivedMs: number;
  up: boolean;
}

/** The sink the agent ships to, keeping each device's passes in order and every event. */
class PassLog implements Sink {
  readonly passes = new Map<string, Pass[]>();
  readonly eventLog: CityEvent[] = [];
  samples(batch: readonly Sample[]): void {
    const arrivedMs = Date.now();
    for (const s of batch) {
      if (s.name !== "cityplane_snmp_device_up") continue;
      const device = s.labels.device as string;
      let list = this.passes.get(device);
      if (list === undefined) this.passes.set(device, (list = []));
      list.push({ tsMs: s.timestampMs, arrivedMs, up: s.value === 1 });
    }
  }
  events(batch: readonly CityEvent[]): void {
    this.eventLog.push(...batch);
  }
}

describe("200 devices, a quarter of them black-holed", () => {
  const devices = new ScaleDevices(COMMUNITY, 4);
  const blackHoles: Socket[] = [];
  /** Requests each black-holed device received. */
  const requests = new Map<string, number>();
  const sink = new PassLog();
  let agent: Agent | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cityplane-dead-devices-"));
    const targets: string[] = [];
    for (let i = 0; i < HEALTHY; i++) {
      const port = await devices.start(`live-${i}`, healthyHost(i), 0, 4);
      targets.push(`- {kind: snmp, id: snmp/live-${i}, device: live-${i}, host: ${healthyHost(i)}, port: ${port}, auth: city, modules: [if_mib], intervalSeconds: ${INTERVAL_S}}`);
    }
    for (let i = 0; i < DEAD; i++) {
      const name = `dead-${i}`;
      const sock = createSocket("udp4");
      requests.set(name, 0);
      sock.on("message", () => requests.set(name, (requests.get(name) ?? 0) + 1));
      await new Promise<void>((resolve, reject) => (sock.once("error", reject), sock.bind(0, deadHost(i), () => resolve())));
      blackHoles.push(sock);
      targets.push(`- {kind: snmp, id: snmp/${name}, device: ${name}, host: ${deadHost(i)}, port: ${sock.address().port}, auth: city, modules: [if_mib], intervalSeconds: ${INTERVAL_S}}`);
    }
    writeFileSync(join(dir, "targets.yaml"), `${targets.join("\n")}\n`);
    // The default global concurrency (64) and retries (1); a 1 s timeout keeps the run short.
    const text = `name: dead-devices\nlisten: ${AGENT_HOST}:0\ntargets: targets.yaml\nlimits: {timeoutMs: 1000, retries: 1, unreachableRecheckSeconds: ${RECHECK_S}}\nauths:\n  city: {version: "2c", community: ${COMMUNITY}}\n`;
    const cfg = parseAgentConfig(text, "agent.yaml", dir);
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    agent = await Agent.start({ config: cfg.config, findings: cfg.findings, sink });
  });
  afterAll(async () => {
    await agent?.stop();
    devices.close();
    for (const s of blackHoles) s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("polls every live device every interval, reports each dead one down once and rechecks it on its own period", { timeout: 60_000 }, async () => {
    const passesOf = (name: string) => sink.passes.get(name) ?? [];
    const live = Array.from({ length: HEALTHY }, (_, i) => `live-${i}`);
    const dead = Array.from({ length: DEAD }, (_, i) => `dead-${i}`);
    // First passes are spread over one interval, later ones follow at the interval (±5%), so
    // every live device has done PASSES passes after about PASSES intervals; past PASSES + 1
    // intervals, a live device without them has missed a pass.
    const deadline = Date.now() + (PASSES + 1) * INTERVAL_S * 1000;
    while (Date.now() < deadline && !live.every((d) => passesOf(d).length >= PASSES)) await new Promise((r) => setTimeout(r, 100));
    const metrics = await (await fetch(`http://${agent!.address}/metrics`)).text();

    const behind = live.filter((d) => passesOf(d).length < PASSES).map((d) => `${d}: ${passesOf(d).length}`);
    expect(behind, "live devices short of their passes").toEqual([]);
    for (const d of live) {
      const passes = passesOf(d);
      expect(passes.filter((p) => !p.up), `${d} reported down`).toEqual([]);
      // Within its interval from the agent's own timestamp of the pass to its samples reaching the sink.
      for (const p of passes) expect(p.arrivedMs - p.tsMs, `${d}: pass of ${new Date(p.tsMs).toISOString()}`).toBeLessThan(INTERVAL_S * 1000);
    }
    // The scheduler times each pass from the moment it is due, waiting for a free slot
    // included: every pass, live or dead, ended within 5 s (the histogram bucket below the 6 s interval).
    const bucket = (le: string) => Number(new RegExp(`^cityplane_agent_poll_duration_seconds_bucket\\{le="${le}",kind="snmp"\\} (\\d+)`, "m").exec(metrics)?.[1]);
    const total = Number(/^cityplane_agent_poll_duration_seconds_count\{kind="snmp"\} (\d+)/m.exec(metrics)?.[1]);
    expect(total).toBeGreaterThanOrEqual(HEALTHY * PASSES);
    expect(bucket("5"), `passes of at most N s: ${["0.5", "1", "2.5", "5", "10"].map((le) => `${le}: ${bucket(le)}`).join(", ")}, of ${total}`).toBe(total);
    expect(metrics).not.toMatch(/^cityplane_agent_skipped_passes_total\{kind="snmp"\} [1-9]/m);

    for (const d of dead) {
      const passes = passesOf(d);
      expect(passes.length, `${d} passes`).toBeGreaterThanOrEqual(2);
      expect(passes.filter((p) => p.up), `${d} reported up`).toEqual([]);
      // Rechecked every RECHECK_S (±5% jitter), before the next interval would come round.
      for (let k = 1; k < passes.length; k++) {
        const gap = (passes[k] as Pass).tsMs - (passes[k - 1] as Pass).tsMs;
        expect(gap, `${d}: gap before its pass ${k + 1}`).toBeGreaterThanOrEqual(RECHECK_S * 1000 * 0.9);
        expect(gap, `${d}: gap before its pass ${k + 1}`).toBeLessThan(((RECHECK_S + INTERVAL_S) / 2) * 1000);
      }
      // Each pass reached the device, the first one twice (retries: 1), rechecks once; a pass
      // ends at its first unanswered request, so nothing queued behind it goes out. One more
      // request may belong to a recheck still waiting for its answer.
      expect(requests.get(d) ?? 0, `${d} requests`).toBeGreaterThanOrEqual(passes.length + 1);
      expect(requests.get(d) ?? 0, `${d} requests`).toBeLessThanOrEqual(passes.length + 2);
      expect(sink.eventLog.filter((e) => e.type === "device-unreachable" && e.entity?.name === d), `${d} down events`).toHaveLength(1);
    }
    expect(sink.eventLog.filter((e) => e.type === "device-unreachable" && e.entity?.name?.startsWith("live-"))).toEqual([]);
  });
});
