import { z } from "zod";

/**
 * A scenario file: faults scheduled at offsets within a loop that repeats for ever (the default
 * city never stands still) or runs once. Durations are "90s", "5m", "2h" or seconds.
 */
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration ("5m" → 300000; a number is seconds). */
export function durationMs(v: string | number): number {
  if (typeof v === "number") return v * 1000;
  const m = DURATION.exec(v);
  return m ? Number(m[1]) * (UNIT_MS[m[2] ?? "s"] ?? 1000) : NaN;
}

const duration = z.union([z.number().nonnegative(), z.string().regex(DURATION, 'must be a duration like "90s", "5m" or "2h"')]);
const name = z.string().min(1);
const base = { at: duration, note: z.string().optional() };
const lasting = { ...base, for: duration.optional() };

/** Every action a step may take. */
export const ACTIONS = ["link-cut", "link-flap", "ap-offline", "controller-failover", "ssh-brute-force", "config-change", "unsaved-config", "rogue-ap", "sso-brute-force", "latency-spike", "error-burst", "disk-fill", "lldp-mismatch"] as const;

export const stepSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("link-cut"), link: name, ...lasting }),
  z.strictObject({ action: z.literal("link-flap"), link: name, times: z.number().int().min(1).max(100).default(5), every: duration.default("20s"), ...base }),
  z.strictObject({ action: z.literal("ap-offline"), ap: name, ...lasting }),
  z.strictObject({ action: z.literal("controller-failover"), controller: name, ...lasting }),
  z.strictObject({ action: z.literal("ssh-brute-force"), device: name, attempts: z.number().int().min(1).max(500).default(20), ...base }),
  z.strictObject({ action: z.literal("config-change"), device: name, interface: name, description: z.string().min(1).max(200), save: z.boolean().default(true), ...base }),
  z.strictObject({ action: z.literal("unsaved-config"), device: name, interface: name, description: z.string().min(1).max(200), ...base }),
  z.strictObject({ action: z.literal("rogue-ap"), controller: name, ssid: z.string().min(1).max(32), ...lasting }),
  z.strictObject({ action: z.literal("sso-brute-force"), service: name.default("sso"), perMinute: z.number().positive().max(100_000).default(300), ...lasting }),
  z.strictObject({ action: z.literal("latency-spike"), service: name, ms: z.number().positive().max(60_000), ...lasting }),
  z.strictObject({ action: z.literal("error-burst"), service: name, rate: z.number().gt(0).max(1).default(0.5), ...lasting }),
  z.strictObject({ action: z.literal("disk-fill"), node: name, gbPerHour: z.number().positive().max(100_000), ...lasting }),
  z.strictObject({ action: z.literal("lldp-mismatch"), device: name, interface: name, seen: z.strictObject({ device: name, interface: name }), ...base }),
], { error: (iss) => (iss.code === "invalid_union" ? `unknown action; one of: ${ACTIONS.join(", ")}` : undefined) });

export const scenarioSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1),
  /** Repeat for ever (default) or run once. */
  loop: z.boolean().default(true),
  /** Length of one loop. */
  period: duration,
  steps: z.array(stepSchema).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioStep = z.infer<typeof stepSchema>;
