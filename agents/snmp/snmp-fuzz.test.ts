import { createSocket, type RemoteInfo } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import * as netSnmp from "net-snmp";
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeWriteRequest, encodeWriteRequest, groupSamples } from "../../protocol/remote-write.codec.ts";
import { IngestService } from "../../services/ingest/ingest.service.ts";
import type { KyselyStore } from "../../services/store/kysely-store.ts";
import { openStore } from "../../services/store/open-store.ts";
import { describeWithPeers, freeUdpPort } from "../../test/peers.ts";
import type { CollectResult } from "../collector.ts";
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import { berMutation, mutate, type BerMutation } from "../../test/ber-mutations.ts";
import { SnmpCollector } from "./snmp-collector.ts";
import { snmpModuleRegistry } from "./snmp-module-registry.ts";
import { SnmpSessionPool } from "./snmp-session-pool.ts";
import { startSnmpd, type SnmpdPeer } from "./snmpd-peer.ts";
import { until } from "../../test/until.ts";

const SNMPD = "127.70.1.1";
const POLL_DEADLINE_MS = 5000;

/**
 * A UDP proxy in front of the real snmpd: requests go through unchanged, and the reply chosen by
 * the current plan is sent mutated and then as it was. Real replies to the agent's own requests
 * carry the right request-id (and msgID), so the mutation reaches the decoder; the real reply
 * behind it lets the request finish at once when the mutated one is refused or unmatched.
 */
class MutatingProxy {
  readonly front = createSocket("udp4");
  readonly back = createSocket("udp4");
  port = 0;
  client?: RemoteInfo;
  plan?: { reply: number; mutation: BerMutation };
  replies = 0;
  /** Mutated datagrams sent, and how many of them net-snmp's decoder refuses. */
  mutated = 0;
  refused = 0;

  constructor(
    readonly host: string,
    private readonly upstream: { host: string; port: number },
    private readonly refuses: (datagram: Buffer) => boolean,
  ) {}

  async start(): Promise<void> {
    this.front.on("message", (msg, rinfo) => {
      this.client = rinfo;
      this.back.send(msg, this.upstream.port, this.upstream.host);
    });
    this.back.on("message", (reply) => {
      const client = this.client;
      if (client === undefined) return;
      if (this.plan !== undefined && this.replies++ === this.plan.reply) {
        const bad = mutate(reply, this.plan.mutation);
        this.mutated++;
        if (this.refuses(bad)) this.refused++;
        this.front.send(bad, client.port, client.address);
      }
      this.front.send(reply, client.port, client.address);
    });
    await new Promise<void>((r) => this.back.bind(0, this.host, r));
    this.port = await freeUdpPort(this.host);
    await new Promise<void>((r) => this.front.bind(this.port, this.host, r));
  }

  close(): void {
    this.front.close();
    this.back.close();
  }
}

/** The interfaces a pass found: ifIndex, ifName and ifDescr of every row, sorted. */
function interfaces(r: CollectResult): string[] {
  const rows = new Set<string>();
  for (const s of r.samples) if (s.name === "ifOperStatus") rows.add(`${s.labels.ifIndex}|${s.labels.ifName}|${s.labels.ifDescr}`);
  return [...rows].sort();
}


describeWithPeers(["snmpd"], "polling through mutated replies of a real snmpd", () => {
  let snmpd: SnmpdPeer;
  let auths: Record<string, SnmpAuth>;
  let collector: SnmpCollector;
  const pools: SnmpSessionPool[] = [];
  /** A collector on a pool of its own; every pool stays open to the end, so no reply is lost to a closed socket. */
  const newCollector = (timeoutMs: number) => {
    const pool = new SnmpSessionPool({ timeoutMs, retries: 0, concurrency: 2, idleMs: 60_000, onBadPacket: () => badPackets++ });
    pools.push(pool);
    return new SnmpCollector({ agent: "edge-fuzz", auths, modules: snmpModuleRegistry({}), pool, recheckMs: 15_000 });
  };
  let decoder: netSnmp.Session;
  const proxies: Record<"v2" | "v3", MutatingProxy | undefined> = { v2: undefined, v3: undefined };
  let badPackets = 0;
  let dir: string;
  let store: KyselyStore;
  let ingest: IngestService;
  /** What the control plane does with a pass's samples: they must be stored, not refused as a batch. */
  const ship = async (r: CollectResult) => {
    const series = decodeWriteRequest(encodeWriteRequest(groupSamples(r.samples)), { maxDecodedBytes: 32 << 20 });
    await ingest.ingestSamples(series);
  };
  const failures: unknown[] = [];
  const onFailure = (err: unknown) => failures.push(err);
  const target = (auth: "v2" | "v3", host: string, port: number) => ({ kind: "snmp" as const, id: `snmp:${auth}@${host}`, device: `fuzz-${auth}`, host, port, auth, modules: ["if_mib"], intervalSeconds: 60 });

  beforeAll(async () => {
    process.on("uncaughtException", onFailure);
    process.on("unhandledRejection", onFailure);
    snmpd = await startSnmpd(SNMPD, await freeUdpPort(SNMPD));
    dir = mkdtempSync(join(tmpdir(), "cityplane-snmp-fuzz-"));
    store = await openStore({ dataDir: dir });
    ingest = new IngestService(store, Date.now);
    auths = {
      v2: { version: "2c", community: snmpd.community },
      v3: { version: 3, username: snmpd.v3.username, securityLevel: "authPriv", authProtocol: "sha", authPassword: snmpd.v3.authPassword, privProtocol: "aes", privPassword: snmpd.v3.privPassword, legacy: false },
    };
    // Generous for the reads that must succeed; short for the v3 ones a mutated Report can leave waiting.
    collector = newCollector(3000);
    // The oracle for "refused": net-snmp's own receive path (Message.createFromBuffer is not
    // exported). A session with no request in flight emits "error" for a datagram it cannot
    // decode and ignores one it can, so it tells the two apart without touching the network.
    decoder = netSnmp.createSession(SNMPD, "unused", { sourceAddress: "127.70.1.4" });
    let refused = false;
    decoder.on("error", () => (refused = true));
    const refuses = (d: Buffer) => {
      refused = false;
      (decoder as unknown as { onMsg(b: Buffer): void }).onMsg(d);
      return refused;
    };
    proxies.v2 = new MutatingProxy("127.70.1.2", snmpd, refuses);
    proxies.v3 = new MutatingProxy("127.70.1.3", snmpd, refuses);
    await proxies.v2.start();
    await proxies.v3.start();
  }, 20_000);
  afterAll(async () => {
    process.off("uncaughtException", onFailure);
    process.off("unhandledRejection", onFailure);
    proxies.v2?.close();
    proxies.v3?.close();
    decoder?.close();
    for (const pool of pools) pool.close();
    await snmpd?.stop();
    await store?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("ends every poll with a result or an error that the control plane stores, counts every refused reply, and polls correctly afterwards", async () => {
    const direct = { v2: target("v2", snmpd.host, snmpd.port), v3: target("v3", snmpd.host, snmpd.port) };
    const before = await collector.collect(direct.v2, AbortSignal.timeout(POLL_DEADLINE_MS));
    const known = interfaces(before);
    expect(known.length).toBeGreaterThan(0);
    expect(interfaces(await collector.collect(direct.v3, AbortSignal.timeout(POLL_DEADLINE_MS)))).toEqual(known);

    const outcomes = new Map<number, number>();
    const allRefusedCounted = async () => {
      const refused = () => proxies.v2!.refused + proxies.v3!.refused;
      await until("the bad-packet count to match the refused replies", () => badPackets === refused());
      expect(badPackets).toBe(refused());
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("v2" as const, "v3" as const), fc.oneof(fc.constant(0), fc.nat({ max: 12 })), berMutation, async (auth, reply, mutation) => {
        const proxy = proxies[auth] as MutatingProxy;
        proxy.plan = { reply, mutation };
        proxy.replies = 0;
        try {
          // v3: a new session each time, so reply 0 is the engine discovery Report.
          const polling = auth === "v3" ? newCollector(500) : collector;
          const t = target(auth, proxy.host, proxy.port);
          let timer: NodeJS.Timeout | undefined;
          const hung = new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), POLL_DEADLINE_MS + 3000)));
          const r = await Promise.race([polling.collect(t, AbortSignal.timeout(POLL_DEADLINE_MS)), hung]);
          clearTimeout(timer);
          expect(r).not.toBe("hung");
          const outcome = (r as CollectResult).samples.find((s) => s.name === "cityplane_snmp_poll_outcome")?.value as number;
          expect([1, 2, 3, 4]).toContain(outcome);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          await ship(r as CollectResult);
          await allRefusedCounted();
        } finally {
          delete proxy.plan;
        }
      }),
      {
        // 150 cases: 4–7 s on an idle 2-core machine, under 30 s with both cores busy.
        numRuns: 150,
        // A finding kept as an example: the first string value of the first reply (sysDescr,
        // ifDescr or ifName) made 1100 characters long got the whole batch refused at ingest.
        examples: [["v2", 0, { kind: "octets", element: 0, bytes: new Uint8Array(1100).fill(0x61) }]],
      },
    );
    // Replies to requests of a poll that had already failed can arrive after it.
    await allRefusedCounted();
    expect(failures).toEqual([]);
    // The fuzz reached the decoder: some replies were refused, some polls still read the device.
    expect(proxies.v2!.refused + proxies.v3!.refused).toBeGreaterThan(20);
    expect(outcomes.get(1)).toBeGreaterThan(20);
    // The session that took every mutated v2c reply, and fresh ones, read what they read before.
    expect(interfaces(await collector.collect(target("v2", proxies.v2!.host, proxies.v2!.port), AbortSignal.timeout(POLL_DEADLINE_MS)))).toEqual(known);
    expect(interfaces(await collector.collect(direct.v2, AbortSignal.timeout(POLL_DEADLINE_MS)))).toEqual(known);
    expect(interfaces(await collector.collect(direct.v3, AbortSignal.timeout(POLL_DEADLINE_MS)))).toEqual(known);
    console.log(`snmp fuzz: ${proxies.v2!.mutated + proxies.v3!.mutated} mutated replies, ${badPackets} refused and counted; poll outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
  }, 90_000);
});
