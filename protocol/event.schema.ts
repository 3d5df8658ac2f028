import { z } from "zod";

/**
 * Events: everything an agent observes that is not a number — traps, syslog messages,
 * configuration changes, findings, observed topology. Ingest is idempotent on `id`, so an
 * agent that resends a batch after a crash changes nothing (RELIABILITY.md promise 2).
 */
export const EVENT_KINDS = ["trap", "syslog", "config", "finding", "probe", "topology", "agent"] as const;
export const SEVERITIES = ["info", "warning", "minor", "major", "critical"] as const;

export const entityRefSchema = z.strictObject({
  kind: z.enum(["device", "interface", "link", "hotspot", "ssid", "service", "unit", "site", "agent"]),
  name: z.string().min(1).max(200),
});
export type EntityRef = z.infer<typeof entityRefSchema>;

const attributeValue = z.union([z.string().max(64 * 1024), z.number(), z.boolean(), z.null()]);

export const eventSchema = z.strictObject({
  /** Globally unique and stable across resends (the agent makes it once, when it observes). */
  id: z.string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/, "id may hold only letters, digits and . _ : -"),
  /** Milliseconds since the Unix epoch when the thing happened. */
  ts: z.number().int().nonnegative(),
  kind: z.enum(EVENT_KINDS),
  /** Machine-readable type within the kind, e.g. `linkDown`, `authenticationFailure`, `login-failed`. */
  type: z.string().min(1).max(100),
  severity: z.enum(SEVERITIES),
  /** True for what the SOC queue must see: auth failures, config changes, rogue APs, storms. */
  security: z.boolean(),
  /** The agent that observed it. */
  agent: z.string().min(1).max(100),
  /** Network address the observation came from (trap or syslog source), if any. */
  source: z.string().max(100).optional(),
  entity: entityRefSchema.optional(),
  /** Human-readable one-line summary (English; the console localises from type + attributes). */
  message: z.string().max(4096),
  attributes: z.record(z.string().max(200), attributeValue).default({}),
});
export type CityEvent = z.infer<typeof eventSchema>;

/** The JSON body of `POST /api/v1/ingest/events`. */
export const eventBatchSchema = z.strictObject({
  events: z.array(eventSchema).max(10_000),
});
export type EventBatch = z.infer<typeof eventBatchSchema>;
