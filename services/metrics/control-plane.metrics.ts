import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The control plane's own metrics (STYLE.md rule 8: `cityplane_<part>_<name>_<unit>`), on a
 * registry of its own so that two servers in one process (tests) never share counters.
 */
export class ControlPlaneMetrics {
  readonly registry = new Registry();
  readonly ingestSamples = new Counter({ name: "cityplane_ingest_samples_total", help: "Samples accepted by ingest (new or replayed).", registers: [this.registry] });
  readonly ingestEvents = new Counter({ name: "cityplane_ingest_events_total", help: "Events accepted by ingest (new or replayed).", registers: [this.registry] });
  readonly ingestDuplicates = new Counter({ name: "cityplane_ingest_duplicates_total", help: "Rows of replayed batches that were already stored.", registers: [this.registry] });
  readonly ingestBatches = new Counter({
    name: "cityplane_ingest_batches_total",
    help: "Ingest batches by result (ok, bad_request, unauthorized, too_large, overloaded, unavailable, error).",
    labelNames: ["kind", "result"] as const,
    registers: [this.registry],
  });
  readonly dbLatency = new Histogram({
    name: "cityplane_db_operation_duration_seconds",
    help: "Store operation latency.",
    labelNames: ["operation"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly agentsConnected = new Gauge({ name: "cityplane_agents_connected", help: "Agents connected on /agents.", registers: [this.registry] });
  readonly targetsAssigned = new Gauge({ name: "cityplane_targets_assigned", help: "Targets currently assigned to a connected agent.", registers: [this.registry] });
  readonly targetsTotal = new Gauge({ name: "cityplane_targets", help: "Targets derived from the inventory.", registers: [this.registry] });
  readonly consoleClients = new Gauge({ name: "cityplane_console_clients", help: "Sockets connected on /console.", registers: [this.registry] });
  readonly liveDropped = new Counter({ name: "cityplane_live_dropped_total", help: "Live messages not sent to a slow console client.", registers: [this.registry] });
  readonly socketDenied = new Counter({ name: "cityplane_socket_denied_total", help: "Socket handshakes or events refused.", labelNames: ["namespace", "reason"] as const, registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "cityplane_" });
  }

  /** Times one store call into the DB latency histogram. */
  async timeDb<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const end = this.dbLatency.startTimer({ operation });
    try {
      return await fn();
    } finally {
      end();
    }
  }
}
