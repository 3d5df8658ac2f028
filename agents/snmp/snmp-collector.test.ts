import { createSocket, type Socket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import { SnmpClient, SnmpRequestError } from "./snmp-client.ts";
import { SnmpCollector } from "./snmp-collector.ts";
import { snmpModuleRegistry } from "./snmp-module-registry.ts";
import { SnmpSessionPool } from "./snmp-session-pool.ts";
import { startSnmpd, type SnmpdPeer } from "./snmpd-peer.ts";
import { describeWithPeers, freeUdpPort } from "../../test/peers.ts";
import { until } from "../../test/until.ts";

const HOST = "127.30.5.1";
const auth: SnmpAuth = { version: "2c", community: "canary-community-7f3a" };

/** A device that receives requests and never answers (black-holed), counting datagrams. */
class SilentDevice {
  readonly socket: Socket = createSocket("udp4");
  datagrams = 0;
  port = 0;
  async start(): Promise<void> {
    this.socket.on("message", () => this.datagrams++);
    await new Promise<void>((r) => this.socket.bind(0, HOST, r));
    this.port = this.socket.address().port;
  }
  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}


describe("per-device limits and dead devices", () => {
  const device = new SilentDevice();
  beforeAll(() => device.start());
  afterAll(() => device.close());

  it.each([1, 2])("never has more than %s request(s) in flight to one device", async (concurrency) => {
    const before = device.datagrams;
    const client = new SnmpClient({ host: HOST, port: device.port, auth, timeoutMs: 20_000, retries: 0, concurrency });
    const stop = new AbortController();
    try {
      const pending = Array.from({ length: 5 }, () => client.get(["1.3.6.1.2.1.1.3.0"], stop.signal).then(() => "answered", (e: SnmpRequestError) => e.failure));
      await until(`${concurrency} datagrams`, () => device.datagrams - before >= concurrency);
      // The others wait for a slot; give them every chance to (wrongly) go out.
      await new Promise((r) => setTimeout(r, 300));
      expect(device.datagrams - before).toBe(concurrency);
      stop.abort();
      expect(await Promise.all(pending)).toEqual(Array(5).fill("aborted"));
      expect(device.datagrams - before).toBe(concurrency);
    } finally {
      client.close();
    }
  });

  it("reports a dead device once, then rechecks it every 15 s with a single try instead of retries", async () => {
    const pool = new SnmpSessionPool({ timeoutMs: 150, retries: 2, concurrency: 1, idleMs: 60_000, onBadPacket: () => undefined });
    const collector = new SnmpCollector({ agent: "edge", auths: { v2: auth }, modules: snmpModuleRegistry({}), pool, recheckMs: 15_000 });
    const target = { kind: "snmp" as const, id: "snmp:dead", device: "dn-ward-dead", host: HOST, port: device.port, auth: "v2", modules: ["system"], intervalSeconds: 60 };
    try {
      expect(collector.nextDelayMs(target)).toBe(60_000);
      const sent = () => device.datagrams;
      let before = sent();
      const first = await collector.collect(target, AbortSignal.timeout(10_000));
      expect(sent() - before).toBe(3); // one try plus two retries while it was believed alive
      // No answer at all: outcome 2, the one failure that can become an outage.
      expect(first.samples).toEqual([expect.objectContaining({ name: "cityplane_snmp_device_up", value: 0 }), expect.objectContaining({ name: "cityplane_snmp_poll_outcome", labels: { device: "dn-ward-dead" }, value: 2 })]);
      expect(first.events.map((e) => e.type)).toEqual(["device-unreachable"]);
      expect(collector.nextDelayMs(target)).toBe(15_000);
      before = sent();
      const second = await collector.collect(target, AbortSignal.timeout(10_000));
      expect(sent() - before).toBe(1);
      expect(second.events).toEqual([]); // no second event while it stays down
      expect(collector.status(target.id)).toMatchObject({ up: false, lastError: expect.stringContaining("no answer (timeout)") });
      // A target whose interval is shorter than the recheck keeps its interval.
      expect(collector.nextDelayMs({ ...target, intervalSeconds: 5 })).toBe(5_000);
      expect(JSON.stringify([first, second])).not.toContain(auth.version === "2c" ? auth.community : "");
    } finally {
      pool.close();
    }
  });
});

describe("a pass against a dead device", () => {
  const device = new SilentDevice();
  beforeAll(() => device.start());
  afterAll(() => device.close());
  const target = (id: string, modules: string[]) => ({ kind: "snmp" as const, id, device: `dn-${id}`, host: HOST, port: device.port, auth: "v2", modules, intervalSeconds: 60 });

  it("ends at the first request that times out: the requests queued behind it are never sent", async () => {
    // if_mib: a GET of the system scalars plus walks of ifTable and ifXTable, one request at a time.
    const pool = new SnmpSessionPool({ timeoutMs: 150, retries: 0, concurrency: 1, idleMs: 60_000, onBadPacket: () => undefined });
    const collector = new SnmpCollector({ agent: "edge", auths: { v2: auth }, modules: snmpModuleRegistry({}), pool, recheckMs: 15_000 });
    try {
      const before = device.datagrams;
      const r = await collector.collect(target("queued", ["if_mib"]), AbortSignal.timeout(10_000));
      expect(r.events.map((e) => e.type)).toEqual(["device-unreachable"]);
      await new Promise((res) => setTimeout(res, 400)); // anything still queued would have gone out by now
      expect(device.datagrams - before).toBe(1);
    } finally {
      pool.close();
    }
  });

  it("is a timeout, not a silent abort, when the pass deadline comes before the request's own timeout", async () => {
    // 2 s × 2 tries per request against a 300 ms pass deadline (an interval shorter than timeout × tries).
    const pool = new SnmpSessionPool({ timeoutMs: 2000, retries: 1, concurrency: 2, idleMs: 60_000, onBadPacket: () => undefined });
    const collector = new SnmpCollector({ agent: "edge", auths: { v2: auth }, modules: snmpModuleRegistry({}), pool, recheckMs: 15_000 });
    const t = { ...target("short", ["system"]), intervalSeconds: 1 };
    try {
      const r = await collector.collect(t, AbortSignal.timeout(300));
      expect(r.samples.map((s) => `${s.name} ${s.value}`)).toEqual(["cityplane_snmp_device_up 0", "cityplane_snmp_poll_outcome 2"]);
      expect(r.events.map((e) => e.type)).toEqual(["device-unreachable"]);
      expect(collector.status(t.id)).toMatchObject({ up: false, lastError: expect.stringContaining("no answer (timeout)") });
      // Down: the next pass is a single try on the recheck cycle.
      expect(collector.nextDelayMs(t)).toBe(1000);
    } finally {
      pool.close();
    }
  });
});

describeWithPeers(["snmpd"], "why a poll failed, against snmpd", () => {
  const HOST_D = "127.52.7.1";
  let snmpd: SnmpdPeer;
  let pool: SnmpSessionPool;
  beforeAll(async () => {
    snmpd = await startSnmpd(HOST_D, await freeUdpPort(HOST_D));
    pool = new SnmpSessionPool({ timeoutMs: 1500, retries: 0, concurrency: 1, idleMs: 60_000, onBadPacket: () => undefined });
  }, 15_000);
  afterAll(async () => {
    pool?.close();
    await snmpd?.stop();
  });

  it("ships outcome 3 beside device_up 0 when the device answers but refuses our user, and 1 when it reads", async () => {
    const auths: Record<string, SnmpAuth> = {
      stranger: { version: 3, username: "not-a-user", securityLevel: "authPriv", authProtocol: "sha", authPassword: "auth-pass-123", privProtocol: "aes", privPassword: "priv-pass-456", legacy: false },
      city: { version: "2c", community: snmpd.community },
    };
    const collector = new SnmpCollector({ agent: "edge", auths, modules: snmpModuleRegistry({}), pool, recheckMs: 15_000 });
    const target = { kind: "snmp" as const, id: "snmp:d", device: "dn-snmpd", host: snmpd.host, port: snmpd.port, auth: "stranger", modules: ["system"], intervalSeconds: 60 };
    const values = (r: { samples: { name: string; value: number }[] }) => r.samples.filter((s) => s.name === "cityplane_snmp_device_up" || s.name === "cityplane_snmp_poll_outcome").map((s) => `${s.name} ${s.value}`);
    const refused = await collector.collect(target, AbortSignal.timeout(10_000));
    expect(values(refused)).toEqual(["cityplane_snmp_device_up 0", "cityplane_snmp_poll_outcome 3"]);
    expect(refused.events.map((e) => e.type)).toEqual(["snmp-auth-failed"]);
    expect(values(await collector.collect({ ...target, auth: "city" }, AbortSignal.timeout(10_000)))).toEqual(["cityplane_snmp_device_up 1", "cityplane_snmp_poll_outcome 1"]);
  });
});
