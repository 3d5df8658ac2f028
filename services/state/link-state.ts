/**
 * A link's observed state from the interfaces at its two ends (the inventory names a device
 * and an interface on each side). One end seeing the circuit down is enough: the far end often
 * still reports up for a moment, or is not polled at all.
 *
 * | a \ b    | up       | degraded | down | unknown  | never seen |
 * |----------|----------|----------|------|----------|------------|
 * | up       | up       | degraded | down | degraded | unknown    |
 * | degraded | degraded | degraded | down | degraded | unknown    |
 * | down     | down     | down     | down | down     | down       |
 * | unknown  | degraded | degraded | down | unknown  | unknown    |
 *
 * One end unknown (its device not answering SNMP, or the port shut by hand) while the other is
 * up is `degraded`: traffic may flow, but only half of the circuit can be seen. An end never
 * observed since start (its router not polled yet) says nothing: the link is `unknown`,
 * waiting for both ends, rather than degraded for the second between two routers' polls.
 */
import type { EntityState } from "../store/store.ts";
import type { StatusMapping } from "./status-tables.ts";

/** One end of a link as last observed: its interface entity name and state. */
export interface LinkEnd {
  name: string;
  state: EntityState;
  reason: string;
  /** False while the end has never been observed since start. */
  seen: boolean;
}

/** The link's state and a reason naming the end that decided it. */
export function linkState(a: LinkEnd, b: LinkEnd): StatusMapping {
  for (const end of [a, b]) if (end.state === "down") return { state: "down", reason: `${end.name}: ${end.reason}` };
  const unseen = [a, b].filter((e) => !e.seen);
  if (unseen.length > 0) return { state: "unknown", reason: `waiting for both ends (${unseen.map((e) => e.name).join(", ")} not observed yet)` };
  if (a.state === "up" && b.state === "up") return { state: "up", reason: "both ends up" };
  if (a.state === "unknown" && b.state === "unknown") return { state: "unknown", reason: "neither end can be seen" };
  const worse = a.state === "up" ? b : a;
  return { state: "degraded", reason: `${worse.name}: ${worse.reason}` };
}
