/**
 * The samples of one ingest batch that say something about an entity's state, read in one
 * pass over the series: the SNMP poll result (and why it failed) per device, ifAdminStatus/ifOperStatus per
 * interface, bsnAPOperationStatus per access point, the probe results per service, the newest
 * timestamp of the wlc module's samples per controller, and of any other device-labelled sample. NaN values (staleness markers) say nothing.
 * The same pass notes which devices and services the batch speaks for (reporting / silent,
 * services/api/observed-state.service.ts) and counts its samples: the ingest hot path walks a
 * batch once.
 */
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";

export interface Reading {
  name: string;
  ts: number;
  value: number;
}

/** One probe run, keyed by service and timestamp (its samples share the run's timestamp). */
export interface ProbeRun {
  service: string;
  ts: number;
  success?: number;
  httpStatus?: number;
  regexFailed?: number;
  /** Unix seconds. */
  certExpiry?: number;
  /** `probe_duration_seconds`: the whole probe, name lookup to the last byte (as blackbox_exporter's). */
  durationSeconds?: number;
}

export interface ObservedBatch {
  /** `cityplane_snmp_device_up` by device, with `cityplane_snmp_poll_outcome` of the same poll when shipped. */
  polls: (Reading & { outcome?: number })[];
  /** ifOperStatus by interface entity name (`device/ifName`), with the device. */
  oper: (Reading & { device: string })[];
  /** Newest ifAdminStatus per interface entity name. */
  admin: Map<string, Reading>;
  /** bsnAPOperationStatus by AP name, with the controller that reported it. */
  aps: (Reading & { controller: string })[];
  probes: Map<string, ProbeRun>;
  /** Newest timestamp of other device-labelled samples, per device. */
  activity: Map<string, number>;
  /** Newest timestamp of any AIRESPACE-WIRELESS-MIB (`bsn…`, the wlc module) sample, per controller. */
  wlc: Map<string, number>;
  /** The devices and services the batch's series are labelled with (`reportingKey`), in the order first seen. */
  reporting: Set<string>;
  /** Samples in the batch, staleness markers included. */
  samples: number;
}

const PROBE_FIELDS: Readonly<Record<string, keyof ProbeRun>> = {
  probe_success: "success",
  probe_http_status_code: "httpStatus",
  probe_failed_due_to_regex: "regexFailed",
  probe_ssl_earliest_cert_expiry: "certExpiry",
  probe_duration_seconds: "durationSeconds",
};

/** Which entity a series speaks for, as the reporting tracker keys it: `device:r1`, `service:portal`. */
export const reportingKey = (kind: "device" | "service", name: string): string => `${kind}:${name}`;

/** The devices and services a batch speaks for, in the order first seen (for a caller without a state tracker). */
export function reportingOf(series: readonly TimeSeries[]): Set<string> {
  const out = new Set<string>();
  const note = reportingNoter(out);
  for (const s of series) note(s.labels);
  return out;
}

/**
 * Adds a series' device and service to `out`. Series of one device or service come in runs
 * (an agent ships a target's samples together), so a name equal to the previous one is
 * skipped before building its key: this is per series, on the ingest hot path.
 */
function reportingNoter(out: Set<string>): (labels: Readonly<Record<string, string>>) => void {
  let device: string | undefined;
  let service: string | undefined;
  return (l) => {
    if (l.device !== undefined && l.device !== "" && l.device !== device) out.add(reportingKey("device", (device = l.device)));
    if (l.service !== undefined && l.service !== "" && l.service !== service) out.add(reportingKey("service", (service = l.service)));
  };
}

/** Names an interface from its device and IF-MIB labels (see StateTracker for which name wins). */
export type InterfaceNamer = (device: string, labels: Readonly<Record<string, string>>) => string | undefined;

/** Sorts a batch's state-bearing samples out of its series. */
export function readBatch(series: readonly TimeSeries[], interfaceOf: InterfaceNamer): ObservedBatch {
  const b: ObservedBatch = { polls: [], oper: [], admin: new Map(), aps: [], probes: new Map(), activity: new Map(), wlc: new Map(), reporting: new Set(), samples: 0 };
  const outcomes = new Map<string, number>();
  const noteReporting = reportingNoter(b.reporting);
  for (const s of series) {
    const l = s.labels;
    noteReporting(l);
    b.samples += s.samples.length;
    const metric = l.__name__ ?? "";
    const device = l.device;
    const iface = device && (metric === "ifOperStatus" || metric === "ifAdminStatus") ? interfaceOf(device, l) : undefined;
    const probeField = PROBE_FIELDS[metric];
    const wlc = device !== undefined && metric.startsWith("bsn");
    for (const { value, timestampMs: ts } of s.samples) {
      if (Number.isNaN(value)) continue;
      if (wlc && (b.wlc.get(device) ?? -Infinity) < ts) b.wlc.set(device, ts);
      if (metric === "cityplane_snmp_device_up" && device) b.polls.push({ name: device, ts, value });
      else if (metric === "cityplane_snmp_poll_outcome" && device) outcomes.set(`${device}\u0000${ts}`, value);
      else if (metric === "ifOperStatus" && device && iface) b.oper.push({ name: iface, device, ts, value });
      else if (metric === "ifAdminStatus" && iface) {
        if ((b.admin.get(iface)?.ts ?? -Infinity) <= ts) b.admin.set(iface, { name: iface, ts, value });
      } else if (metric === "bsnAPOperationStatus" && device && l.bsnAPName) b.aps.push({ name: l.bsnAPName, controller: device, ts, value });
      else if (probeField !== undefined && l.service) {
        const key = `${l.service}\u0000${ts}`;
        let run = b.probes.get(key);
        if (run === undefined) b.probes.set(key, (run = { service: l.service, ts }));
        (run[probeField] as number | undefined) = value;
      } else if (device && (b.activity.get(device) ?? -Infinity) < ts) b.activity.set(device, ts);
    }
  }
  const byTs = (x: { ts: number }, y: { ts: number }): number => x.ts - y.ts;
  for (const p of b.polls) {
    const outcome = outcomes.get(`${p.name}\u0000${p.ts}`);
    if (outcome !== undefined) p.outcome = outcome;
  }
  b.polls.sort(byTs);
  b.oper.sort(byTs);
  b.aps.sort(byTs);
  return b;
}
