/**
 * The probe kinds by module name, and the schema of a probe module (blackbox's `modules:`
 * block): parsed once at the edge, unknown keys refused (STYLE.md rule 3).
 */
import { z } from "zod";
import { httpProber } from "./http-probe.ts";
import type { ProbeResult } from "./probe.ts";
import { tcpProber } from "./tcp-probe.ts";

const ipProtocol = z.enum(["ip4", "ip6"]).optional();

const httpModule = z.strictObject({
  prober: z.literal("http"),
  timeoutMs: z.number().int().positive().default(5000),
  http: z
    .strictObject({
      validStatusCodes: z.array(z.number().int().min(100).max(599)).optional(),
      method: z.enum(["GET", "HEAD", "POST"]).optional(),
      headers: z.record(z.string(), z.string()).optional(),
      failIfBodyMatchesRegexp: z.array(z.string()).optional(),
      failIfBodyNotMatchesRegexp: z.array(z.string()).optional(),
      insecureSkipVerify: z.boolean().optional(),
      preferredIpProtocol: ipProtocol,
      bodySizeLimit: z.number().int().positive().optional(),
    })
    .default({}),
});

const tcpModule = z.strictObject({
  prober: z.literal("tcp"),
  timeoutMs: z.number().int().positive().default(5000),
  tcp: z.strictObject({ tls: z.boolean().optional(), insecureSkipVerify: z.boolean().optional(), preferredIpProtocol: ipProtocol }).default({}),
});

/** One probe module as configured. */
export const probeModuleSchema = z.discriminatedUnion("prober", [httpModule, tcpModule]);
export type ProbeModule = z.infer<typeof probeModuleSchema>;

/** Every probe kind the agent knows, by module `prober` name. */
export const PROBERS = { http: httpProber, tcp: tcpProber } as const;
export type ProbeKind = keyof typeof PROBERS;

/** Runs a module against a target; the regexes were validated by parseProbeModule. */
export function runProbe(module: ProbeModule, target: string, signal?: AbortSignal): Promise<ProbeResult> {
  const ctx = { timeoutMs: module.timeoutMs, signal };
  switch (module.prober) {
    case "http":
      return PROBERS.http.run(target, module.http, ctx);
    case "tcp":
      return PROBERS.tcp.run(target, module.tcp, ctx);
  }
}

/** Parses and validates a module (including its regexes); throws listing every problem. */
export function parseProbeModule(input: unknown): ProbeModule {
  const parsed = probeModuleSchema.safeParse(input);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join(".") || "(module)"}: ${i.message}`).join("; "));
  const module = parsed.data;
  if (module.prober === "http") {
    for (const re of [...(module.http.failIfBodyMatchesRegexp ?? []), ...(module.http.failIfBodyNotMatchesRegexp ?? [])]) {
      try {
        new RegExp(re);
      } catch (err) {
        throw new Error(`invalid regular expression ${JSON.stringify(re)}: ${(err as Error).message}`);
      }
    }
  }
  return Object.freeze(module);
}
