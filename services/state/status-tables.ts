/**
 * How the status values agents ship map to an observed state, one table per source, each
 * entry with the reason recorded on the interval. A value missing from a table is `unknown`:
 * a device answering something we cannot read is not evidence of an outage.
 */
import type { EntityState } from "../store/store.ts";

export interface StatusMapping {
  state: EntityState;
  reason: string;
}

/** IF-MIB ifOperStatus (RFC 2863 §3.1.13 and the ifOperStatus DESCRIPTION). */
export const IF_OPER_STATUS: Readonly<Record<number, StatusMapping>> = {
  1: { state: "up", reason: "ifOperStatus up" },
  2: { state: "down", reason: "ifOperStatus down" },
  // In a test mode: passes no operational traffic, but someone put it there on purpose.
  3: { state: "degraded", reason: "ifOperStatus testing" },
  // The agent on the device itself cannot tell.
  4: { state: "unknown", reason: "ifOperStatus unknown" },
  // Waiting for an external event (dial-on-demand, a standby member): ready, not carrying traffic.
  5: { state: "degraded", reason: "ifOperStatus dormant" },
  // A missing component, typically hardware: the port cannot carry anything.
  6: { state: "down", reason: "ifOperStatus notPresent" },
  // Down because an interface below it is (a VLAN sub-interface over a dead port).
  7: { state: "down", reason: "ifOperStatus lowerLayerDown" },
};

/** IF-MIB ifAdminStatus down(2): shut on purpose, a declared state and never an outage. */
export const IF_ADMIN_DOWN = 2;
export const ADMIN_DOWN: StatusMapping = { state: "unknown", reason: "administratively down (ifAdminStatus down)" };

/** AIRESPACE-WIRELESS-MIB bsnAPOperationStatus, as the controller sees each access point. */
export const AP_OPERATION_STATUS: Readonly<Record<number, StatusMapping>> = {
  1: { state: "up", reason: "associated with its controller" },
  2: { state: "down", reason: "disassociating from its controller" },
  // Fetching a software image from the controller: serves no clients until it reboots.
  3: { state: "degraded", reason: "downloading an image from its controller" },
};

/**
 * `cityplane_snmp_poll_outcome`, shipped by the agent beside `cityplane_snmp_device_up` 0: why
 * the poll failed. A device that answers, even to refuse our credentials, is reachable: we
 * cannot see it, which is `unknown`; only no answer is evidence of an outage.
 */
export const SNMP_POLL_NO_ANSWER = 2;
export const SNMP_POLL_ANSWERED_FAILURE: Readonly<Record<number, StatusMapping>> = {
  3: { state: "unknown", reason: "SNMP authentication failed" },
  4: { state: "unknown", reason: "SNMP answer not understood" },
};

/** Looks a value up in a table; anything else is `unknown`, naming the value. */
export function mapStatus(table: Readonly<Record<number, StatusMapping>>, metric: string, value: number): StatusMapping {
  return table[value] ?? { state: "unknown", reason: `${metric} ${value} (not a known value)` };
}
