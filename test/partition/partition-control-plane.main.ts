/**
 * The control-plane side of the partition test, run inside its own network namespace: the real
 * control plane (HTTP ingest, the `/agents` socket.io namespace, SQLite store) over the
 * partition inventory, whose one service is the agent's own `/metrics` (scraped every second).
 * Every batch the ingest commits is appended to a JSON-lines record file before the agent is
 * answered, so the test sees exactly what was acknowledged and how often.
 *
 * usage: partition-control-plane.main.ts DATA_DIR HOST PORT SERVICE_URL RECORD_FILE
 */
import { appendFileSync } from "node:fs";
import { loadConfig } from "../../config/config.ts";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import type { IngestPort } from "../../services/api/ingest.port.ts";
import { ensureAdminCredentials } from "../../services/auth/admin-credentials.ts";
import { loadAgentTokens } from "../../services/auth/agent-tokens.ts";
import { IngestService } from "../../services/ingest/ingest.service.ts";
import { buildControlPlane } from "../../services/server.ts";
import { openStore } from "../../services/store/open-store.ts";
import { listingResolver } from "../../services/targets/address-resolver.ts";

/** One committed ingest batch as the record file holds it. */
export type RecordedBatch = { kind: "samples"; atMs: number; series: { key: string; ts: number[] }[] } | { kind: "events"; atMs: number; events: { id: string; message: string }[] };

const [dataDir, host, port, serviceUrl, recordFile] = process.argv.slice(2);
if (!dataDir || !host || !port || !serviceUrl || !recordFile) {
  process.stderr.write("usage: partition-control-plane.main.ts DATA_DIR HOST PORT SERVICE_URL RECORD_FILE\n");
  process.exit(2);
}

const cfg = loadConfig({ env: { CITYPLANE_DATA_DIR: dataDir, CITYPLANE_HOST: host, CITYPLANE_PORT: port, CITYPLANE_INVENTORY: "test/partition/partition-inventory.yaml" }, cwd: process.cwd() });
if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
const store = await openStore({ dataDir });
const inventory = await loadInventoryOrThrow(cfg.config.inventory);
const admin = await ensureAdminCredentials(dataDir);
const service = new IngestService(store, Date.now, { rawRetentionDays: cfg.config.retention.rawDays });
const record = (batch: RecordedBatch): void => appendFileSync(recordFile, `${JSON.stringify(batch)}\n`);
const ingest: IngestPort = {
  decodeRemoteWrite: (body, max) => service.decodeRemoteWrite(body, max),
  async samples(series) {
    const report = await service.ingestSamples(series);
    record({ kind: "samples", atMs: Date.now(), series: series.map((s) => ({ key: JSON.stringify(Object.entries(s.labels).sort()), ts: s.samples.map((x) => x.timestampMs) })) });
    return report;
  },
  async events(events) {
    const report = await service.ingestEvents(events);
    record({ kind: "events", atMs: Date.now(), events: events.map((e) => ({ id: e.id, message: e.message })) });
    return report;
  },
};
const cp = await buildControlPlane({
  config: cfg.config,
  store,
  inventory,
  resolver: listingResolver({ devices: [], services: [{ id: "portal", url: serviceUrl }] }),
  agentTokens: await loadAgentTokens(dataDir),
  admin: admin.stored,
  logger: false,
  ingest,
  // The city's 30 s scrape interval scaled by 1/30, like the rest of the test.
  intervals: { snmpSeconds: 30, scrapeSeconds: 1, sshSeconds: 300, scrapeTimeoutSeconds: 0.5 },
});
const url = await cp.listen(host, Number(port));
process.stdout.write(`listening ${url}\n`);

const stop = async (): Promise<void> => {
  await cp.close();
  await store.close();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
