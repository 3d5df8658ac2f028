import { createSocket } from "node:dgram";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SnmpAuth } from "../../agents/config/agent-config.schema.ts";
import { SnmpCollector } from "../../agents/snmp/snmp-collector.ts";
import { snmpModuleRegistry } from "../../agents/snmp/snmp-module-registry.ts";
import { SnmpSessionPool } from "../../agents/snmp/snmp-session-pool.ts";
import { startSnmpd, type SnmpdPeer } from "../../agents/snmp/snmpd-peer.ts";
import { decodeWriteRequest, encodeWriteRequest, groupSamples } from "../../protocol/remote-write.codec.ts";
import { describeWithPeers, freeUdpPort } from "../../test/peers.ts";
import { StateTracker } from "./state-tracker.ts";

const HOST = "127.52.9.1";
const T0 = Date.parse("2026-03-02T03:00:00Z");

/**
 * The agent's poll outcome as the control plane reads it, over the remote-write wire: a real
 * snmpd that refuses our v3 user leaves the device unknown (reachable, but we cannot see it),
 * while an address that never answers makes it down, each after the recheck window.
 */
describeWithPeers(["snmpd"], "a refused SNMP poll is unknown, an unanswered one down (agent → state, against snmpd)", () => {
  let snmpd: SnmpdPeer;
  let pool: SnmpSessionPool;
  const silent = createSocket("udp4");
  let silentPort = 0;
  beforeAll(async () => {
    snmpd = await startSnmpd(HOST, await freeUdpPort(HOST));
    await new Promise<void>((r) => silent.bind(0, "127.52.9.2", r));
    silentPort = silent.address().port;
    pool = new SnmpSessionPool({ timeoutMs: 300, retries: 0, concurrency: 1, idleMs: 60_000, onBadPacket: () => undefined });
  }, 15_000);
  afterAll(async () => {
    pool?.close();
    silent.close();
    await snmpd?.stop();
  });

  it("shows the device refusing our credentials unknown with why, never down, and the silent one down", async () => {
    let clock = T0;
    const auths: Record<string, SnmpAuth> = { stranger: { version: 3, username: "not-a-user", securityLevel: "authPriv", authProtocol: "sha", authPassword: "auth-pass-123", privProtocol: "aes", privPassword: "priv-pass-456", legacy: false } };
    const collector = new SnmpCollector({ agent: "edge", auths, modules: snmpModuleRegistry({}), pool, recheckMs: 15_000, now: () => clock });
    const tracker = new StateTracker({ devices: new Set(["refusing", "silent"]), interfaces: new Set(), links: [], hotspots: new Set(), services: new Set() }, { recheckMs: 15_000 });
    const base = { kind: "snmp" as const, auth: "stranger", modules: ["system"], intervalSeconds: 15 };
    for (const at of [0, 15_000]) {
      clock = T0 + at;
      const samples = [
        ...(await collector.collect({ ...base, id: "snmp:refusing", device: "refusing", host: snmpd.host, port: snmpd.port }, AbortSignal.timeout(10_000))).samples,
        ...(await collector.collect({ ...base, id: "snmp:silent", device: "silent", host: "127.52.9.2", port: silentPort }, AbortSignal.timeout(10_000))).samples,
      ];
      tracker.observe(decodeWriteRequest(encodeWriteRequest(groupSamples(samples)), { maxDecodedBytes: 1 << 20 }), clock);
    }
    expect(tracker.current("device", "refusing")).toEqual({ state: "unknown", sinceMs: T0, reason: "SNMP authentication failed" });
    expect(tracker.current("device", "silent")).toEqual({ state: "down", sinceMs: T0, reason: "SNMP poll failed" });
  });
});
