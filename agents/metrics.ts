/**
 * The agent's own metrics (prom-client, its own registry), served at `/metrics`. Names follow
 * `cityplane_agent_<name>_<unit>` (STYLE.md rule 8).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The agent's metrics, one instance per agent. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly polls = new Counter({ name: "cityplane_agent_polls_total", help: "Collection passes by target kind and result.", labelNames: ["kind", "result"], registers: [this.registry] });
  readonly pollErrors = new Counter({ name: "cityplane_agent_poll_errors_total", help: "Failed collection passes by kind and reason (timeout, auth, protocol, aborted).", labelNames: ["kind", "reason"], registers: [this.registry] });
  readonly pollDuration = new Histogram({ name: "cityplane_agent_poll_duration_seconds", help: "Duration of collection passes.", labelNames: ["kind"], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly varbinds = new Counter({ name: "cityplane_agent_snmp_varbinds_total", help: "SNMP varbinds received by the poller.", registers: [this.registry] });
  readonly badPackets = new Counter({ name: "cityplane_agent_bad_packets_total", help: "Malformed packets and values received, by source component.", labelNames: ["component"], registers: [this.registry] });
  readonly skippedPasses = new Counter({ name: "cityplane_agent_skipped_passes_total", help: "Passes not started because the previous pass of the same target was still running.", labelNames: ["kind"], registers: [this.registry] });
  readonly targets = new Gauge({ name: "cityplane_agent_targets", help: "Targets currently assigned, by kind.", labelNames: ["kind"], registers: [this.registry] });
  readonly trapsReceived = new Counter({ name: "cityplane_agent_traps_received_total", help: "Traps accepted and decoded.", labelNames: ["version"], registers: [this.registry] });
  readonly trapsDropped = new Counter({ name: "cityplane_agent_traps_dropped_total", help: "Traps dropped, by reason (rate_limit, unauthorised, malformed, not_in_time_window, replayed, discovery).", labelNames: ["reason"], registers: [this.registry] });
  readonly syslogReceived = new Counter({ name: "cityplane_agent_syslog_messages_total", help: "Syslog messages accepted, by transport.", labelNames: ["transport"], registers: [this.registry] });
  readonly syslogDropped = new Counter({ name: "cityplane_agent_syslog_dropped_total", help: "Syslog messages dropped, by reason (rate_limit, too_large, malformed).", labelNames: ["reason"], registers: [this.registry] });
  readonly receiveBuffer = new Gauge({ name: "cityplane_agent_udp_receive_buffer_bytes", help: "Receive buffer the kernel granted the trap and syslog UDP sockets (capped by net.core.rmem_max).", labelNames: ["receiver"], registers: [this.registry] });
  readonly samplesOut = new Counter({ name: "cityplane_agent_samples_total", help: "Samples handed to the sink.", registers: [this.registry] });
  readonly eventsOut = new Counter({ name: "cityplane_agent_events_total", help: "Events handed to the sink.", registers: [this.registry] });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "cityplane_agent_" });
  }
}
