/**
 * One poll of one device for a set of modules: a GET for the scalars, GETBULK walks of the
 * subtrees (nested subtrees walked once), then decoding. Returns raw samples; rates and events
 * are the collector's business.
 */
import type { SnmpClient } from "./snmp-client.ts";
import { SnmpDecoder, type DecodeResult } from "./snmp-decode.ts";
import type { SnmpModule } from "./snmp-module.schema.ts";

/** What to fetch for a module set, computed once per set. */
export interface PollPlan {
  gets: string[];
  walks: string[];
  maxRepetitions: number;
  decoder: SnmpDecoder;
}

/** Plans the requests for a set of modules (nested walk roots are dropped). */
export function planPoll(modules: readonly Readonly<SnmpModule>[]): PollPlan {
  const roots = [...new Set(modules.flatMap((m) => m.walk))].sort();
  const walks = roots.filter((r) => !roots.some((o) => o !== r && r.startsWith(`${o}.`)));
  const gets = [...new Set(modules.flatMap((m) => m.get))].filter((g) => !walks.some((w) => g.startsWith(`${w}.`)));
  return { gets, walks, maxRepetitions: Math.max(...modules.map((m) => m.maxRepetitions)), decoder: new SnmpDecoder(modules) };
}

export interface PollOutcome extends DecodeResult {
  varbinds: number;
  walkSeconds: number;
  pdus: number;
}

/** Polls one device; throws SnmpRequestError when the device does not answer correctly. Each answer is decoded as it arrives. */
export async function pollDevice(client: SnmpClient, plan: PollPlan, signal: AbortSignal, extraLabels: Readonly<Record<string, string>> = {}): Promise<PollOutcome> {
  const started = performance.now();
  const pdusBefore = client.pdus;
  const pass = plan.decoder.begin(extraLabels);
  const [got, walked] = await Promise.all([client.get(plan.gets, signal), client.walk(plan.walks, plan.maxRepetitions, signal, (vbs, root) => pass.add(vbs, root))]);
  pass.add(got, plan.walks.length);
  const walkSeconds = (performance.now() - started) / 1000;
  return { ...pass.finish(), varbinds: walked + got.length, walkSeconds, pdus: client.pdus - pdusBefore };
}
