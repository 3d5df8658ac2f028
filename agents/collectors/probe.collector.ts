/** Adapter: blackbox-style probes (agents/probes) as the scheduled `probe` collector. */
import type { CollectResult, TargetCollector, TargetOf } from "../collector.ts";
import { runProbe, type ProbeModule } from "../probes/probe-registry.ts";

/** Runs `probe` targets; samples carry blackbox_exporter's names plus a `service` label. */
export class ProbeCollector implements TargetCollector<"probe"> {
  readonly kind = "probe" as const;
  constructor(
    private readonly modules: ReadonlyMap<string, ProbeModule>,
    private readonly now: () => number = Date.now,
  ) {}

  async collect(target: TargetOf<"probe">, signal: AbortSignal): Promise<CollectResult> {
    const module = this.modules.get(target.module);
    if (module === undefined) throw new Error(`target ${target.id}: unknown probe module "${target.module}"`);
    const result = await runProbe({ ...module, timeoutMs: Math.min(module.timeoutMs, target.timeoutSeconds * 1000) }, target.url, signal);
    const ts = this.now();
    return { samples: result.samples.map((s) => ({ name: s.name, labels: { ...s.labels, service: target.service, instance: target.url }, value: s.value, timestampMs: ts })), events: [] };
  }
}
