/**
 * The on-demand `/snmp?target=&module=&auth=` scrape (snmp_exporter drop-in): polls now and
 * answers in the exposition format. A failed poll answers with an error the caller shows.
 */
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import type { SnmpSessionPool } from "./snmp-session-pool.ts";
import { renderSnmpExposition } from "./snmp-exposition.ts";
import { planPoll, pollDevice, type PollPlan } from "./snmp-poll.ts";
import type { SnmpModule } from "./snmp-module.schema.ts";

export interface SnmpScrapeRequest {
  host: string;
  port: number;
  authName: string;
  auth: SnmpAuth;
  moduleNames: string[];
  timeoutMs: number;
}

/** Runs on-demand scrapes, caching one poll plan per module set. */
export class SnmpScraper {
  private readonly plans = new Map<string, PollPlan>();

  constructor(
    private readonly pool: SnmpSessionPool,
    private readonly modules: ReadonlyMap<string, Readonly<SnmpModule>>,
  ) {}

  /** Polls the target and renders it; throws SnmpRequestError on failure. */
  async scrape(req: SnmpScrapeRequest): Promise<{ text: string; varbinds: number; badVarbinds: number; walkSeconds: number }> {
    const started = performance.now();
    const key = req.moduleNames.join(",");
    let plan = this.plans.get(key);
    if (plan === undefined) {
      const mods = req.moduleNames.map((m) => {
        const mod = this.modules.get(m);
        if (mod === undefined) throw new Error(`unknown module "${m}"`);
        return mod;
      });
      this.plans.set(key, (plan = planPoll(mods)));
    }
    const client = this.pool.get(req.host, req.port, req.authName, req.auth);
    const outcome = await pollDevice(client, plan, AbortSignal.timeout(req.timeoutMs));
    const text = renderSnmpExposition(outcome.samples, { walkSeconds: outcome.walkSeconds, durationSeconds: (performance.now() - started) / 1000, pdus: outcome.pdus });
    return { text, varbinds: outcome.varbinds, badVarbinds: outcome.badVarbinds, walkSeconds: outcome.walkSeconds };
  }
}
