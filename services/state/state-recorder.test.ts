import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { LiveBus } from "../live/live-bus.ts";
import { openStore } from "../store/open-store.ts";
import { createTestDatabase, describeWithPostgres, postgresReachable } from "../store/postgres-test-database.ts";
import type { Store } from "../store/store.ts";
import { StateRecorder } from "./state-recorder.ts";
import { StateTracker, type DeclaredEntities, type StateChange } from "./state-tracker.ts";

const pgProblem = await postgresReachable();
const T0 = Date.UTC(2026, 10, 1, 8);
const declared: DeclaredEntities = {
  devices: new Set(["r1", "r2"]),
  interfaces: new Set(["r1/Gi0/0", "r2/Gi0/1"]),
  links: [{ name: "l1", a: "r1/Gi0/0", b: "r2/Gi0/1" }],
  hotspots: new Set(),
  services: new Set(),
};
const poll = (device: string, up: 0 | 1, at: number): TimeSeries => ({ labels: { __name__: "cityplane_snmp_device_up", device }, samples: [{ value: up, timestampMs: at }] });
const oper = (device: string, ifName: string, status: number, at: number): TimeSeries => ({ labels: { __name__: "ifOperStatus", device, ifName, ifIndex: "3" }, samples: [{ value: status, timestampMs: at }] });
const ends = (status: number, at: number) => [oper("r1", "Gi0/0", 1, at), oper("r2", "Gi0/1", status, at)];

/** The recorded intervals of an entity as [state, start, end, reason], times relative to T0. */
async function intervals(store: Store, kind: "device" | "link" | "interface", name: string): Promise<[string, number, number | undefined, string | undefined][]> {
  return (await store.stateIntervals({ kind, name }, T0 - 86_400_000, T0 + 86_400_000)).map((i) => [i.state, i.startMs - T0, i.endMs === undefined ? undefined : i.endMs - T0, i.reason]);
}

function suite(open: () => Promise<Store>, cleanup: () => Promise<void>): void {
  afterAll(cleanup);

  it("records each transition once, pushes it live, and continues the open intervals across a restart", async () => {
    let clock = T0;
    const start = async (store: Store, bus: LiveBus) => StateRecorder.start({ store, bus, tracker: new StateTracker(declared, { silenceMs: 180_000 }), now: () => clock, sweepEveryMs: 3_600_000 });
    const live: StateChange[] = [];

    let store = await open();
    let bus = new LiveBus();
    bus.subscribe((topic, payload) => topic === "states" && live.push(...(payload as StateChange[])));
    let rec = await start(store, bus);
    rec.observe([poll("r1", 1, T0), ...ends(1, T0)]);
    clock = T0 + 30_000;
    rec.observe([poll("r1", 1, T0 + 30_000), ...ends(1, T0 + 30_000)]);
    await rec.close();
    expect(live.map((c) => `${c.entity.kind}:${c.entity.name} ${c.state}`)).toEqual(["device:r1 up", "interface:r1/Gi0/0 up", "interface:r2/Gi0/1 up", "link:l1 up"]);
    await store.close();

    // A restart: the server reads the open intervals; the same samples again change nothing.
    clock = T0 + 120_000;
    store = await open();
    bus = new LiveBus();
    live.length = 0;
    bus.subscribe((topic, payload) => topic === "states" && live.push(...(payload as StateChange[])));
    rec = await start(store, bus);
    rec.observe([poll("r1", 1, T0 + 120_000), ...ends(1, T0 + 120_000)]);
    clock = T0 + 150_000;
    rec.observe([poll("r1", 1, T0 + 150_000), ...ends(2, T0 + 150_000)]);
    clock = T0 + 180_000;
    rec.observe([poll("r1", 1, T0 + 180_000), ...ends(1, T0 + 180_000)]);
    // r1 is not heard again: unknown once the silence window has passed since the last sample.
    clock = T0 + 361_000;
    rec.sweep();
    await rec.close();
    expect(live.map((c) => `${c.entity.kind}:${c.entity.name} ${c.state}`)).toEqual([
      "interface:r2/Gi0/1 down", "link:l1 down", "interface:r2/Gi0/1 up", "link:l1 up",
      "device:r1 unknown", "interface:r1/Gi0/0 unknown", "interface:r2/Gi0/1 unknown", "link:l1 unknown",
    ]);

    expect(await intervals(store, "device", "r1")).toEqual([["up", 0, 361_000, "SNMP poll answered"], ["unknown", 361_000, undefined, "nothing heard for 180 s"]]);
    expect(await intervals(store, "link", "l1")).toEqual([
      ["up", 0, 150_000, "both ends up"],
      ["down", 150_000, 180_000, "r2/Gi0/1: ifOperStatus down"],
      ["up", 180_000, 361_000, "both ends up"],
      ["unknown", 361_000, undefined, "neither end can be seen"],
    ]);
    await store.close();
  });
}

describe("state recorder on SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-state-"));
  suite(() => openStore({ dataDir: dir }), async () => rmSync(dir, { recursive: true, force: true }));
});

let pg: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
describeWithPostgres(pgProblem, "state recorder on PostgreSQL", () => {
  suite(async () => openStore({ dataDir: "unused", databaseUrl: (pg ??= await createTestDatabase("cityplane_state")).url }), async () => pg?.drop());
});
