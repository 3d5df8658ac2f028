import { Counter, Gauge, type Registry } from "prom-client";

/** The shipper's own counters (names fixed by the agent's contract; see STYLE.md rule 8). */
export class ShipperMetrics {
  readonly shippedSamples: Counter;
  readonly shippedEvents: Counter;
  readonly spoolBytes: Gauge;
  readonly droppedSamples: Counter<"reason">;
  readonly droppedEvents: Counter<"reason">;
  readonly shipErrors: Counter<"status">;
  readonly spoolDamage: Counter<"kind">;
  readonly spoolDiscardedBytes: Counter;
  readonly authFailures: Counter<"status">;
  readonly blockedOnAuth: Gauge;

  constructor(registry: Registry, spoolBytes: () => number) {
    const registers = [registry];
    this.shippedSamples = new Counter({ name: "cityplane_agent_shipped_samples_total", help: "Samples acknowledged by the control plane.", registers });
    this.shippedEvents = new Counter({ name: "cityplane_agent_shipped_events_total", help: "Events acknowledged by the control plane.", registers });
    this.spoolBytes = new Gauge({
      name: "cityplane_agent_spool_bytes",
      help: "Bytes of undelivered data held in the disk spool.",
      registers,
      collect() {
        this.set(spoolBytes());
      },
    });
    this.droppedSamples = new Counter({ name: "cityplane_agent_dropped_samples_total", help: "Samples discarded without delivery, by reason.", labelNames: ["reason"], registers });
    this.droppedEvents = new Counter({ name: "cityplane_agent_dropped_events_total", help: "Events discarded without delivery, by reason.", labelNames: ["reason"], registers });
    this.shipErrors = new Counter({ name: "cityplane_agent_ship_errors_total", help: "Failed delivery attempts, by HTTP status (or 'network').", labelNames: ["status"], registers });
    this.spoolDamage = new Counter({ name: "cityplane_agent_spool_damage_total", help: "Damaged spool records found at start-up (torn, bad_length, bad_crc); the rest of that segment is discarded.", labelNames: ["kind"], registers });
    this.spoolDiscardedBytes = new Counter({ name: "cityplane_agent_spool_discarded_bytes_total", help: "Bytes cut from damaged spool segments at start-up.", registers });
    this.authFailures = new Counter({ name: "cityplane_agent_ship_auth_failures_total", help: "Delivery attempts the control plane refused for the agent's token (401/403); the data stays in the spool.", labelNames: ["status"], registers });
    this.blockedOnAuth = new Gauge({ name: "cityplane_agent_ship_blocked_on_auth", help: "1 while delivery is paused because the control plane refuses the agent's token.", registers });
  }

  /** Counts items that left without delivery. */
  dropped(kind: "samples" | "events", items: number, reason: string): void {
    (kind === "samples" ? this.droppedSamples : this.droppedEvents).inc({ reason }, items);
  }
}
