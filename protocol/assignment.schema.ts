import { z } from "zod";

/**
 * The `/agents` socket.io contract: the control plane assigns targets to connected agents by
 * consistent hashing and pushes the whole assignment on every change (an agent applies it
 * idempotently, so a resent assignment changes nothing).
 */
export const AGENTS_NAMESPACE = "/agents";

/** Server → agent: the full set of targets this agent owns now. */
export const ASSIGNMENT_EVENT = "assignment";
/** Agent → server: health and load, every interval. */
export const HEARTBEAT_EVENT = "heartbeat";

const snmpTarget = z.strictObject({
  kind: z.literal("snmp"),
  id: z.string(),
  /** Inventory device name. */
  device: z.string(),
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  /** Name of an auth in the agent's own config (credentials never travel in assignments). */
  auth: z.string(),
  modules: z.array(z.string()).min(1),
  intervalSeconds: z.number().positive(),
});

const probeTarget = z.strictObject({
  kind: z.literal("probe"),
  id: z.string(),
  service: z.string(),
  url: z.string(),
  module: z.string(),
  intervalSeconds: z.number().positive(),
  timeoutSeconds: z.number().positive(),
});

const scrapeTarget = z.strictObject({
  kind: z.literal("scrape"),
  id: z.string(),
  /** Entity the metrics belong to (a service or a k8s node). */
  entity: z.strictObject({ kind: z.enum(["service", "device"]), name: z.string() }),
  url: z.string(),
  intervalSeconds: z.number().positive(),
  timeoutSeconds: z.number().positive(),
});

const sshTarget = z.strictObject({
  kind: z.literal("ssh"),
  id: z.string(),
  device: z.string(),
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  /** Name of an SSH credential in the agent's own config. */
  auth: z.string(),
  driver: z.enum(["ios", "wlc"]),
  intervalSeconds: z.number().positive(),
});

export const targetSchema = z.discriminatedUnion("kind", [snmpTarget, probeTarget, scrapeTarget, sshTarget]);
export type Target = z.infer<typeof targetSchema>;

export const assignmentSchema = z.strictObject({
  /** Increases with every change of the agent set or the inventory. */
  version: z.number().int().nonnegative(),
  targets: z.array(targetSchema),
});
export type Assignment = z.infer<typeof assignmentSchema>;

export const heartbeatSchema = z.strictObject({
  agent: z.string(),
  version: z.number().int().nonnegative(),
  targets: z.number().int().nonnegative(),
  spoolBytes: z.number().nonnegative(),
  rssBytes: z.number().nonnegative(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;
