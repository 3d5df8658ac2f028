/**
 * The samples of one ingest batch that say something about an entity's state, read in one
 * pass over the series: the SNMP poll result (and why it failed) per device, ifAdminStatus/ifOperStatus per
 * interface, bsnAPOperationStatus per access point, the probe results per service, the newest
 * timestamp of the wlc module's samples per controller, and of any other device-labelled sample. NaN values (staleness markers) say nothing.
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
}

const PROBE_FIELDS: Readonly<Record<string, keyof ProbeRun>> = {
  probe_success: "success",
  probe_http_status_code: "httpStatus",
  probe_failed_due_to_regex: "regexFailed",
  probe_ssl_earliest_cert_expiry: "certExpiry",
  probe_duration_seconds: "durationSeconds",
};

/** Names an interface from its device and IF-MIB labels (see StateTracker for which name wins). */
export type InterfaceNamer = (device: string, labels: Readonly<Record<string, string>>) => string | undefined;

/** Sorts a batch's state-bearing samples out of its series. */
export function readBatch(series: readonly TimeSeries[], interfaceOf: InterfaceNamer): ObservedBatch {
  const b: ObservedBatch = { polls: [], oper: [], admin: new Map(), aps: [], probes: new Map(), activity: new Map(), wlc: new Map() };
  const outcomes = new Map<string, number>();
  for (const s of series) {
    const l = s.labels;
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
