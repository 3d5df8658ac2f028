/**
 * The probe contract (STYLE.md rule 2): one small interface, one file per kind, one registry
 * (probe-registry.ts). Modelled on blackbox_exporter's `Probers` map; samples carry the same
 * names as blackbox_exporter's so dashboards and alert rules written for it work unchanged.
 */

/** One measurement from a probe, e.g. `probe_http_duration_seconds{phase="tls"}`. */
export interface ProbeSample {
  name: string;
  labels?: Record<string, string>;
  value: number;
}

/** What every probe returns; `samples` always includes probe_success and probe_duration_seconds. */
export interface ProbeResult {
  success: boolean;
  durationSeconds: number;
  /** Why the probe failed, for logs and events (absent on success). */
  failure?: string;
  samples: ProbeSample[];
}

/** Per-run context: the hard deadline and an optional outer cancellation. */
export interface ProbeContext {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One kind of probe. `run` must settle by `ctx.timeoutMs`, with its sockets destroyed. */
export interface Prober<Config> {
  readonly kind: string;
  run(target: string, config: Config, ctx: ProbeContext): Promise<ProbeResult>;
}

/** Which address family to prefer when a name resolves to both (blackbox `preferred_ip_protocol`). */
export type IpProtocol = "ip4" | "ip6";
