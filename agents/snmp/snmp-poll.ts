/**
 * One poll of one device for a set of modules: a GET for the scalars, GETBULK walks of the
 * subtrees (nested subtrees walked once), then decoding. Returns raw samples; rates and events
 * are the collector's business.
 */
import { SnmpRequestError, type SnmpClient } from "./snmp-client.ts";
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

/**
 * Polls one device; throws SnmpRequestError when the device does not answer correctly. Each
 * answer is decoded as it arrives. The first failed request ends the pass: the requests still
 * queued behind it are not sent (a dead device gets one timeout's worth of requests per pass,
 * not one per subtree). A pass cut off by its deadline (`signal` aborted with a TimeoutError)
 * before the device answered anything is a timeout — the device is not answering — so that an
 * interval shorter than timeout × tries still marks a dead device down.
 */
export async function pollDevice(client: SnmpClient, plan: PollPlan, signal: AbortSignal, extraLabels: Readonly<Record<string, string>> = {}): Promise<PollOutcome> {
  const started = performance.now();
  const pdusBefore = client.pdus;
  const pass = plan.decoder.begin(extraLabels);
  const ended = new AbortController();
  const endPass = () => ended.abort();
  signal.addEventListener("abort", endPass, { once: true });
  let got: Awaited<ReturnType<SnmpClient["get"]>>;
  let walked: number;
  try {
    [got, walked] = await Promise.all([client.get(plan.gets, ended.signal, endPass), client.walk(plan.walks, plan.maxRepetitions, ended.signal, (vbs, root) => pass.add(vbs, root), endPass)]);
  } catch (err) {
    const deadline = signal.aborted && (signal.reason as { name?: string } | undefined)?.name === "TimeoutError";
    if (err instanceof SnmpRequestError && err.failure === "aborted" && deadline && client.pdus === pdusBefore) throw new SnmpRequestError("timeout", "no answer before the pass deadline");
    throw err;
  } finally {
    signal.removeEventListener("abort", endPass);
  }
  pass.add(got, plan.walks.length);
  const walkSeconds = (performance.now() - started) / 1000;
  return { ...pass.finish(), varbinds: walked + got.length, walkSeconds, pdus: client.pdus - pdusBefore };
}
