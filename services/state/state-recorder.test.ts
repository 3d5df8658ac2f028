import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { LiveBus } from "../live/live-bus.ts";
import { openStore } from "../store/open-store.ts";
import { createTestDatabase, describeWithPostgres, postgresReachable } from "../store/postgres-test-database.ts";
import { StoreUnavailableError, type Store } from "../store/store.ts";
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
    // Each live message says which kind of change it is: the states topic also carries reporting changes.
    expect(live.every((c) => (c as StateChange & { change?: string }).change === "state")).toBe(true);
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

/** The real store, but its recordState refused as unavailable while `refuse` says so (a database outage SQLite cannot produce on demand). */
function refusing(store: Store, refuse: (state: string) => boolean, error = () => new StoreUnavailableError("database unavailable: refused by the test")): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "recordState") {
        return async (...args: Parameters<Store["recordState"]>) => {
          if (refuse(args[1])) throw error();
          return target.recordState(...args);
        };
      }
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Store outages SQLite cannot produce on demand: a wrapper refuses recordState as PostgreSQL does when it is down. */
describe("state recorder when the store refuses writes", () => {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-state-retry-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("retries the writes a briefly unavailable store refuses, in order, while pushing live at once: every interval is recorded, once", async () => {
    const real = await openStore({ dataDir: mkdtempSync(join(dir, "store-")) });
    let refusals = 5;
    const errors: string[] = [];
    const store = refusing(real, () => refusals-- > 0);
    const bus = new LiveBus();
    const live: string[] = [];
    bus.subscribe((topic, payload) => topic === "states" && live.push(...(payload as StateChange[]).map((c) => `${c.entity.kind}:${c.entity.name} ${c.state}`)));
    let clock = T0;
    const rec = await StateRecorder.start({ store, bus, tracker: new StateTracker(declared, { silenceMs: 180_000 }), now: () => clock, sweepEveryMs: 3_600_000, retryMs: [5, 20], onError: (err, what) => errors.push(`${err.name}: ${what}`) });
    rec.observe([poll("r2", 1, T0), ...ends(1, T0)]);
    clock = T0 + 10_000;
    rec.observe(ends(2, T0 + 10_000));
    clock = T0 + 20_000;
    rec.observe(ends(1, T0 + 20_000));
    // Live before any write got through.
    expect(live).toEqual(["device:r2 up", "interface:r1/Gi0/0 up", "interface:r2/Gi0/1 up", "link:l1 up", "interface:r2/Gi0/1 down", "link:l1 down", "interface:r2/Gi0/1 up", "link:l1 up"]);
    expect(rec.backlog).toBe(8);
    await rec.flushed();
    expect(rec.backlog).toBe(0);
    expect(errors).toEqual([5, 10, 20, 20, 20].map((ms) => `StoreUnavailableError: recording device r2 up (retrying in ${ms} ms)`));
    expect(await intervals(real, "link", "l1")).toEqual([["up", 0, 10_000, "both ends up"], ["down", 10_000, 20_000, "r2/Gi0/1: ifOperStatus down"], ["up", 20_000, undefined, "both ends up"]]);
    expect(await intervals(real, "interface", "r2/Gi0/1")).toEqual([["up", 0, 10_000, "ifOperStatus up"], ["down", 10_000, 20_000, "ifOperStatus down"], ["up", 20_000, undefined, "ifOperStatus up"]]);
    expect(await intervals(real, "device", "r2")).toEqual([["up", 0, undefined, "SNMP poll answered"]]);

    // A store that stays down does not hold close() up: one last try each, reported, then the queue is let go.
    refusals = Infinity;
    errors.length = 0;
    clock = T0 + 30_000;
    rec.observe(ends(2, T0 + 30_000));
    await rec.close();
    expect(rec.backlog).toBe(0);
    expect(errors.at(-1)).toBe("StoreUnavailableError: recording link l1 down");
    await real.close();
  });

  it("gives up the oldest waiting transitions when the queue is full, saying so, and skips a write that fails for another reason than unavailability", async () => {
    const real = await openStore({ dataDir: mkdtempSync(join(dir, "store-")) });
    // A fault in the data, not the database: retrying would not help.
    const store = refusing(real, (state) => state === "down", () => new Error("CHECK constraint failed: state"));
    const errors: string[] = [];
    const rec = await StateRecorder.start({ store, bus: new LiveBus(), tracker: new StateTracker(declared, { silenceMs: 180_000 }), now: () => T0, sweepEveryMs: 3_600_000, retryMs: [60_000, 60_000], maxPending: 2, onError: (err, what) => errors.push(`${err.message}: ${what}`) });
    rec.observe([poll("r2", 1, T0), ...ends(1, T0)]);
    expect(errors).toEqual(["2 transitions waiting for the store were given up (queue full): recording device r2 up and 1 later"]);
    await rec.flushed();
    rec.observe(ends(2, T0 + 10_000));
    await rec.flushed();
    rec.observe(ends(1, T0 + 20_000));
    await rec.flushed();
    expect(errors.slice(1)).toEqual(["CHECK constraint failed: state: recording interface r2/Gi0/1 down", "CHECK constraint failed: state: recording link l1 down"]);
    expect(await intervals(real, "device", "r2")).toEqual([]);
    expect(await intervals(real, "link", "l1")).toEqual([["up", 0, undefined, "both ends up"]]);
    await rec.close();
    await real.close();
  });
});

describe("state recorder on SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-state-"));
  suite(() => openStore({ dataDir: dir }), async () => rmSync(dir, { recursive: true, force: true }));
});

let pg: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
describeWithPostgres(pgProblem, "state recorder on PostgreSQL", () => {
  suite(async () => openStore({ dataDir: "unused", databaseUrl: (pg ??= await createTestDatabase("cityplane_state")).url }), async () => pg?.drop());
});
