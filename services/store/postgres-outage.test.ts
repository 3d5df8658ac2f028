import { afterAll, beforeAll, expect, it } from "vitest";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { IngestService } from "../ingest/ingest.service.ts";
import type { KyselyStore } from "./kysely-store.ts";
import { openStore } from "./open-store.ts";
import { adminQuery, createTestDatabase, describeWithPostgres, postgresReachable } from "./postgres-test-database.ts";
import { StoreUnavailableError } from "./store.ts";

// RELIABILITY.md "database outage": ingest answers 503 while PostgreSQL refuses us and recovers
// by itself, without re-creating the store, when it comes back.
const pgProblem = await postgresReachable();
const NOW = Date.UTC(2026, 10, 21, 12);

describeWithPostgres(pgProblem, "store on PostgreSQL during an outage", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: KyselyStore;
  let ingest: IngestService;
  let role: string;

  beforeAll(async () => {
    db = await createTestDatabase("cityplane_outage");
    store = await openStore({ dataDir: "unused", databaseUrl: db.url });
    ingest = new IngestService(store, () => NOW);
    role = new URL(db.url).username;
  });
  afterAll(async () => {
    await adminQuery(`GRANT CONNECT ON DATABASE ${db.name} TO ${role}`).catch(() => undefined);
    await store?.close();
    await db?.drop();
  });

  const batch = (i: number): TimeSeries[] => [{ labels: { __name__: "ifHCInOctets", device: "r1", ifName: `Gi0/${i}` }, samples: [{ timestampMs: NOW, value: i }] }];
  const terminate = (): Promise<unknown> => adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`);

  /** Writes until one succeeds (bounded), returning every error seen before. */
  async function writeUntilAccepted(i: number): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await ingest.ingestSamples(batch(i));
        return errors;
      } catch (err) {
        errors.push(err);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`still refused after 50 attempts: ${String(errors[errors.length - 1])}`);
  }

  it("reconnects by itself after its connections are terminated", async () => {
    await ingest.ingestSamples(batch(1));
    await terminate();
    const errors = await writeUntilAccepted(2);
    for (const e of errors) expect(e).toBeInstanceOf(StoreUnavailableError);
    expect((await store.latest({ metric: "ifHCInOctets" })).length).toBe(2);
  });

  it("answers StoreUnavailableError while CONNECT is revoked, then accepts the same batch again once restored", async () => {
    await adminQuery(`REVOKE CONNECT ON DATABASE ${db.name} FROM PUBLIC, ${role}`);
    await terminate();
    await expect(ingest.ingestSamples(batch(3))).rejects.toThrow(StoreUnavailableError);
    await expect(ingest.ingestSamples(batch(3))).rejects.toThrow(StoreUnavailableError);
    await expect(store.ping()).rejects.toThrow(StoreUnavailableError);
    await adminQuery(`GRANT CONNECT ON DATABASE ${db.name} TO ${role}`);
    const errors = await writeUntilAccepted(3);
    for (const e of errors) expect(e).toBeInstanceOf(StoreUnavailableError);
    await expect(store.ping()).resolves.toBeUndefined();
    const values = (await store.latest({ metric: "ifHCInOctets" })).map((v) => v.value).sort();
    expect(values).toEqual([1, 2, 3]);
    expect(await ingest.ingestSamples(batch(3))).toMatchObject({ inserted: 0, duplicates: 1 });
  });
});
