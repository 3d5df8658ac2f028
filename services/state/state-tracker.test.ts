import { describe, expect, it } from "vitest";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { IF_OPER_STATUS } from "./status-tables.ts";
import { StateTracker, type DeclaredEntities, type StateChange } from "./state-tracker.ts";

const declared: DeclaredEntities = {
  devices: new Set(["r1", "r2", "wlc1", "wlc2"]),
  interfaces: new Set(["r1/Gi0/0", "r2/Gi0/1", "r1/Lo9", "r1/GigabitEthernet0/0/0"]),
  links: [{ name: "l1", a: "r1/Gi0/0", b: "r2/Gi0/1" }],
  hotspots: new Set(["ap1", "ap2"]),
  hotspotControllers: new Map([["ap1", "wlc1"], ["ap2", "wlc2"]]),
  services: new Set(["portal"]),
};

const T0 = Date.parse("2026-03-02T03:00:00Z");
const ts = (name: string, labels: Record<string, string>, value: number, at: number): TimeSeries => ({ labels: { __name__: name, ...labels }, samples: [{ value, timestampMs: at }] });
const poll = (device: string, up: 0 | 1, at: number) => ts("cityplane_snmp_device_up", { device }, up, at);
/** A poll with why it failed, as the agent ships it: 1 read, 2 no answer, 3 credentials refused, 4 not understood. */
const polled = (device: string, outcome: 1 | 2 | 3 | 4, at: number) => [poll(device, outcome === 1 ? 1 : 0, at), ts("cityplane_snmp_poll_outcome", { device }, outcome, at)];
const oper = (device: string, ifName: string, status: number, at: number, admin = 1) => [ts("ifAdminStatus", { device, ifName, ifIndex: "1" }, admin, at), ts("ifOperStatus", { device, ifName, ifIndex: "1" }, status, at)];
const ap = (controller: string, name: string, status: number, at: number) => ts("bsnAPOperationStatus", { device: controller, bsnAPName: name, bsnAPDot3MacAddress: "00:3a:7d:00:00:01" }, status, at);
/** A Wi-Fi controller's pass of the wlc module: SSID client counts, the APs it lists, then its poll result last, as the agent ships them. */
const wlcPass = (controller: string, aps: string[], at: number) => [ts("bsnDot11EssNumberOfMobileStations", { device: controller, bsnDot11EssIndex: "1", bsnDot11EssSsid: "DaNang-WiFi" }, 12, at), ...aps.map((a) => ap(controller, a, 1, at)), poll(controller, 1, at)];
const probe = (at: number, success: 0 | 1, extra: Record<string, number> = {}) => [
  ...Object.entries(extra).map(([name, v]) => ts(name, { service: "portal", instance: "https://portal/healthz" }, v, at)),
  ts("probe_success", { service: "portal", instance: "https://portal/healthz" }, success, at),
];

/** A step: at `at` (the fake clock) either a batch arrives or silence is swept. */
type Step = { at: number; batch: TimeSeries[] } | { at: number; sweep: true };
/** One poll batch per [second, outcome], each arriving when it was taken. */
const pollRun = (device: string, polls: [number, 1 | 2 | 3 | 4][]): Step[] => polls.map(([sec, outcome]) => ({ at: sec * 1000, batch: polled(device, outcome, T0 + sec * 1000) }));
const show = (c: StateChange) => `${c.entity.kind}:${c.entity.name} ${c.state} @${c.atMs - T0} ${c.reason}`;

function run(steps: Step[], tracker = new StateTracker(declared, { recheckMs: 15_000, silenceMs: 180_000 })): string[] {
  const out: string[] = [];
  for (const s of steps) out.push(...("sweep" in s ? tracker.sweep(T0 + s.at) : tracker.observe(s.batch, T0 + s.at)).map(show));
  return out;
}

const cases: [string, Step[], string[]][] = [
  [
    "a device is down only after polls fail for the whole recheck window, from the first failure, and up at the next answer",
    [
      { at: 0, batch: [poll("r1", 1, T0)] },
      { at: 30_000, batch: [poll("r1", 0, T0 + 30_000)] },
      { at: 40_000, batch: [poll("r1", 1, T0 + 40_000)] },
      { at: 60_000, batch: [poll("r1", 0, T0 + 60_000)] },
      { at: 75_000, batch: [poll("r1", 0, T0 + 75_000)] },
      { at: 90_000, batch: [poll("r1", 0, T0 + 90_000)] },
      { at: 105_000, batch: [poll("r1", 1, T0 + 105_000)] },
    ],
    ["device:r1 up @0 SNMP poll answered", "device:r1 down @60000 SNMP poll failed", "device:r1 up @105000 SNMP poll answered"],
  ],
  [
    "a device that answers but refuses our credentials, or answers garbage, is unknown and never down; only no answer is down",
    [{ at: 0, batch: oper("r1", "Lo9", 1, T0) }, ...pollRun("r1", [[0, 1], [30, 3], [45, 3], [60, 2], [75, 2], [90, 4], [105, 1]])],
    [
      "interface:r1/Lo9 up @0 ifOperStatus up",
      "device:r1 up @0 SNMP poll answered",
      "device:r1 unknown @30000 SNMP authentication failed",
      "interface:r1/Lo9 unknown @30000 r1: SNMP authentication failed",
      "device:r1 down @60000 SNMP poll failed",
      "device:r1 unknown @90000 SNMP answer not understood",
      "device:r1 up @105000 SNMP poll answered",
    ],
  ],
  [
    "one refused poll is not a state (the recheck window holds for it too), and a timeout window restarts after an answer",
    pollRun("r1", [[0, 1], [30, 3], [40, 1], [60, 2], [70, 3], [80, 2], [95, 2]]),
    // Unanswered from 80 s only: the device answered at 70 s, so it was reachable then.
    ["device:r1 up @0 SNMP poll answered", "device:r1 down @80000 SNMP poll failed"],
  ],
  [
    "an agent gone silent makes its device unknown, never down, and it comes back up when heard",
    [{ at: 0, batch: [poll("r1", 1, T0)] }, { at: 170_000, sweep: true }, { at: 200_000, sweep: true }, { at: 230_000, sweep: true }, { at: 240_000, batch: [poll("r1", 1, T0 + 240_000)] }],
    ["device:r1 up @0 SNMP poll answered", "device:r1 unknown @200000 nothing heard for 180 s", "device:r1 up @240000 SNMP poll answered"],
  ],
  [
    "silence after failed polls is unknown, and failures before it do not count towards the next window",
    [
      { at: 0, batch: [poll("r1", 1, T0)] },
      { at: 5000, batch: [poll("r1", 0, T0 + 5000)] },
      { at: 200_000, sweep: true },
      { at: 210_000, batch: [poll("r1", 0, T0 + 210_000)] },
      { at: 225_000, batch: [poll("r1", 0, T0 + 225_000)] },
    ],
    ["device:r1 up @0 SNMP poll answered", "device:r1 unknown @200000 nothing heard for 180 s", "device:r1 down @210000 SNMP poll failed"],
  ],
  [
    "a link is down when either end is, naming it, degraded when one end cannot be seen, up when both ends are",
    [
      { at: 0, batch: [...oper("r1", "Gi0/0", 1, T0)] },
      { at: 1000, batch: [...oper("r2", "Gi0/1", 1, T0 + 1000)] },
      { at: 2000, batch: [...oper("r2", "Gi0/1", 2, T0 + 2000), ...oper("r1", "Gi0/0", 7, T0 + 2500)] },
      { at: 3000, batch: [...oper("r2", "Gi0/1", 1, T0 + 3000), ...oper("r1", "Gi0/0", 1, T0 + 3000)] },
    ],
    [
      // One end never observed since start: waiting for both ends, not degraded (nothing recorded).
      "interface:r1/Gi0/0 up @0 ifOperStatus up",
      "interface:r2/Gi0/1 up @1000 ifOperStatus up",
      "link:l1 up @1000 both ends up",
      "interface:r2/Gi0/1 down @2000 ifOperStatus down",
      "link:l1 down @2000 r2/Gi0/1: ifOperStatus down",
      "interface:r1/Gi0/0 down @2500 ifOperStatus lowerLayerDown",
      "interface:r2/Gi0/1 up @3000 ifOperStatus up",
      "interface:r1/Gi0/0 up @3000 ifOperStatus up",
      "link:l1 up @3000 both ends up",
    ],
  ],
  [
    "a link with one end never observed since start is unknown (waiting), not degraded; degraded once a seen end turns unknown; down whatever the other end",
    [
      { at: 0, batch: [...oper("r1", "Gi0/0", 3, T0)] },
      { at: 500, batch: [...oper("r1", "Gi0/0", 2, T0 + 500)] },
      { at: 1000, batch: [...oper("r1", "Gi0/0", 1, T0 + 1000)] },
      { at: 2000, batch: [...oper("r2", "Gi0/1", 4, T0 + 2000)] },
    ],
    [
      "interface:r1/Gi0/0 degraded @0 ifOperStatus testing",
      "interface:r1/Gi0/0 down @500 ifOperStatus down",
      "link:l1 down @500 r1/Gi0/0: ifOperStatus down",
      "interface:r1/Gi0/0 up @1000 ifOperStatus up",
      "link:l1 unknown @1000 waiting for both ends (r2/Gi0/1 not observed yet)",
      "interface:r2/Gi0/1 unknown @2000 ifOperStatus unknown",
      "link:l1 degraded @2000 r2/Gi0/1: ifOperStatus unknown",
    ],
  ],
  [
    "a device that is down makes its ports and the APs joined to it unknown, not down; the link is degraded",
    [
      { at: 0, batch: [poll("r1", 1, T0), ...oper("r1", "Gi0/0", 1, T0), ...oper("r2", "Gi0/1", 1, T0), poll("wlc1", 1, T0), ap("wlc1", "ap1", 1, T0)] },
      { at: 30_000, batch: [poll("r1", 0, T0 + 30_000), poll("wlc1", 0, T0 + 30_000)] },
      { at: 45_000, batch: [poll("r1", 0, T0 + 45_000), poll("wlc1", 0, T0 + 45_000), ap("wlc2", "ap1", 1, T0 + 45_000)] },
    ],
    [
      "device:r1 up @0 SNMP poll answered",
      "device:wlc1 up @0 SNMP poll answered",
      "interface:r1/Gi0/0 up @0 ifOperStatus up",
      "interface:r2/Gi0/1 up @0 ifOperStatus up",
      // Degraded for no time while only one end was applied: not reported.
      "link:l1 up @0 both ends up",
      "hotspot:ap1 up @0 associated with its controller",
      "device:r1 down @30000 SNMP poll failed",
      "interface:r1/Gi0/0 unknown @30000 r1 not answering SNMP",
      "device:wlc1 down @30000 SNMP poll failed",
      "hotspot:ap1 unknown @30000 wlc1 not answering SNMP",
      "link:l1 degraded @30000 r1/Gi0/0: r1 not answering SNMP",
      "hotspot:ap1 up @45000 associated with its controller",
    ],
  ],
  [
    "an AP that moved to another controller is not hidden when its former controller goes down",
    [
      { at: 0, batch: [poll("wlc1", 1, T0), ap("wlc1", "ap1", 1, T0)] },
      { at: 10_000, batch: [ap("wlc2", "ap1", 1, T0 + 10_000)] },
      { at: 30_000, batch: [poll("wlc1", 0, T0 + 30_000)] },
      { at: 45_000, batch: [poll("wlc1", 0, T0 + 45_000)] },
      // Its former controller no longer listing it says nothing: it is joined elsewhere.
      { at: 60_000, batch: wlcPass("wlc1", [], T0 + 60_000) },
    ],
    ["device:wlc1 up @0 SNMP poll answered", "hotspot:ap1 up @0 associated with its controller", "device:wlc1 down @30000 SNMP poll failed", "device:wlc1 up @60000 SNMP poll answered"],
  ],
  [
    "an AP its controller no longer lists is down (not joined); not when the pass left the wlc module out, nor when the controller cannot be seen",
    [
      { at: 0, batch: wlcPass("wlc1", ["ap1"], T0) },
      { at: 30_000, batch: wlcPass("wlc1", [], T0 + 30_000) },
      // A pass without the wlc module says nothing about APs.
      { at: 60_000, batch: [poll("wlc1", 1, T0 + 60_000)] },
      { at: 90_000, batch: wlcPass("wlc1", ["ap1"], T0 + 90_000) },
      { at: 120_000, batch: [poll("wlc1", 0, T0 + 120_000)] },
      { at: 135_000, batch: [poll("wlc1", 0, T0 + 135_000)] },
    ],
    [
      "device:wlc1 up @0 SNMP poll answered",
      "hotspot:ap1 up @0 associated with its controller",
      "hotspot:ap1 down @30000 not joined to its controller",
      "hotspot:ap1 up @90000 associated with its controller",
      "device:wlc1 down @120000 SNMP poll failed",
      "hotspot:ap1 unknown @120000 wlc1 not answering SNMP",
    ],
  ],
  [
    "an AP gone from the controller it failed over to is judged by its own controller's next pass, not down at once",
    [
      { at: 0, batch: wlcPass("wlc2", ["ap1"], T0) },
      { at: 30_000, batch: wlcPass("wlc2", [], T0 + 30_000) },
      { at: 40_000, batch: wlcPass("wlc1", ["ap1"], T0 + 40_000) },
      { at: 60_000, batch: wlcPass("wlc2", ["ap1"], T0 + 60_000) },
      { at: 90_000, batch: wlcPass("wlc2", [], T0 + 90_000) },
      { at: 100_000, batch: wlcPass("wlc1", [], T0 + 100_000) },
    ],
    [
      "device:wlc2 up @0 SNMP poll answered",
      "hotspot:ap1 up @0 associated with its controller",
      "hotspot:ap2 down @0 not joined to its controller",
      "device:wlc1 up @40000 SNMP poll answered",
      "hotspot:ap1 down @100000 not joined to its controller",
    ],
  ],
  [
    "a pass split across batches is not a vanished AP, and an AP never listed since start is down once its controller answers",
    [
      { at: 0, batch: [poll("wlc1", 1, T0 - 30_000), poll("wlc2", 1, T0 - 30_000), ...wlcPass("wlc1", ["ap1"], T0).slice(0, 2)] },
      { at: 100, batch: [...wlcPass("wlc1", ["ap1"], T0).slice(2), ...wlcPass("wlc2", [], T0)] },
    ],
    ["device:wlc1 up @-30000 SNMP poll answered", "device:wlc2 up @-30000 SNMP poll answered", "hotspot:ap1 up @0 associated with its controller", "hotspot:ap2 down @0 not joined to its controller"],
  ],
  [
    "administratively down is a declared state, not an outage; undeclared ports are tracked only while admin-up",
    [
      { at: 0, batch: [...oper("r1", "Lo9", 2, T0, 2), ...oper("r1", "Gi9", 2, T0, 2), ...oper("r1", "Gi8", 1, T0)] },
      { at: 1000, batch: [...oper("r1", "Gi8", 2, T0 + 1000, 2), ...oper("r1", "Lo9", 1, T0 + 1000)] },
    ],
    [
      "interface:r1/Lo9 unknown @0 administratively down (ifAdminStatus down)",
      "interface:r1/Gi8 up @0 ifOperStatus up",
      "interface:r1/Gi8 unknown @1000 administratively down (ifAdminStatus down)",
      "interface:r1/Lo9 up @1000 ifOperStatus up",
    ],
  ],
  [
    "an AP follows the controller's status: associated up, disassociating down, downloading degraded; undeclared APs are ignored",
    [{ at: 0, batch: [ap("wlc1", "ap1", 1, T0), ap("wlc1", "ap-other", 2, T0)] }, { at: 1000, batch: [ap("wlc1", "ap1", 2, T0 + 1000)] }, { at: 2000, batch: [ap("wlc1", "ap1", 3, T0 + 2000)] }],
    ["hotspot:ap1 up @0 associated with its controller", "hotspot:ap1 down @1000 disassociating from its controller", "hotspot:ap1 degraded @2000 downloading an image from its controller"],
  ],
  [
    "a service is down when its probe fails, with why, and degraded while its certificate expires within 14 days",
    [
      { at: 0, batch: probe(T0, 1, { probe_http_status_code: 200, probe_ssl_earliest_cert_expiry: (T0 + 90 * 86_400_000) / 1000 }) },
      { at: 1000, batch: probe(T0 + 1000, 0, { probe_http_status_code: 503 }) },
      { at: 2000, batch: probe(T0 + 2000, 0, { probe_http_status_code: 0 }) },
      { at: 3000, batch: probe(T0 + 3000, 1, { probe_http_status_code: 200, probe_ssl_earliest_cert_expiry: (T0 + 9.5 * 86_400_000) / 1000 }) },
      { at: 4000, batch: probe(T0 + 4000, 0, { probe_http_status_code: 200, probe_failed_due_to_regex: 1 }) },
      { at: 5000, batch: probe(T0 + 5000, 1) },
    ],
    [
      "service:portal up @0 probe succeeded",
      "service:portal down @1000 probe failed: HTTP 503",
      "service:portal degraded @3000 certificate expires in 9 days",
      "service:portal down @4000 probe failed: body did not match",
      "service:portal up @5000 probe succeeded",
    ],
  ],
  [
    "a probe's details and its result may arrive in separate batches",
    [{ at: 0, batch: [ts("probe_http_status_code", { service: "portal" }, 502, T0)] }, { at: 10, batch: [ts("probe_success", { service: "portal" }, 0, T0)] }],
    ["service:portal down @0 probe failed: HTTP 502"],
  ],
  [
    "repeated identical samples change nothing, and a late sample older than what was heard is ignored",
    [{ at: 0, batch: [poll("r1", 1, T0 + 5000)] }, { at: 1000, batch: [poll("r1", 1, T0 + 6000), poll("r1", 1, T0 + 7000)] }, { at: 2000, batch: [poll("r1", 0, T0 + 1000), poll("r1", 0, T0 + 20_000)] }],
    ["device:r1 up @5000 SNMP poll answered"],
  ],
  [
    "a declared interface is matched by its ifDescr when the device's ifName is the short form",
    [{ at: 0, batch: [ts("ifOperStatus", { device: "r1", ifName: "Gi0/0/0", ifDescr: "GigabitEthernet0/0/0", ifIndex: "2" }, 2, T0), ts("ifOperStatus", { device: "r1", ifName: "Gi0/0", ifDescr: "GigabitEthernet0/0", ifIndex: "1" }, 2, T0)] }],
    ["interface:r1/GigabitEthernet0/0/0 down @0 ifOperStatus down", "interface:r1/Gi0/0 down @0 ifOperStatus down", "link:l1 down @0 r1/Gi0/0: ifOperStatus down"],
  ],
  [
    "a source that never ships the poll outcome makes a device up by its samples arriving, until one that does",
    [
      { at: 0, batch: [ts("ifHCInOctets", { device: "r2", ifName: "Gi0/1" }, 1, T0), ts("sysUpTime", { device: "nowhere" }, 1, T0)] },
      { at: 1000, batch: [poll("r2", 0, T0 + 1000), ts("sysUpTime", { device: "r2" }, 1, T0 + 1000)] },
      { at: 20_000, batch: [poll("r2", 0, T0 + 20_000)] },
    ],
    ["device:r2 up @0 samples arriving", "device:r2 down @1000 SNMP poll failed"],
  ],
];

describe("StateTracker", () => {
  it.each(cases)("%s", (_name, steps, expected) => {
    expect(run(steps)).toEqual(expected);
  });

  it.each(Object.entries(IF_OPER_STATUS).map(([v, m]) => [Number(v), m.state] as const).concat([[9, "unknown"]]))("maps ifOperStatus %i to %s", (value, state) => {
    const t = new StateTracker(declared);
    t.observe(oper("r1", "Gi0/0", value, T0), T0);
    expect(t.current("interface", "r1/Gi0/0")?.state).toBe(state);
  });

  it("continues the intervals open before a restart: the same state again is no transition, a new one is", () => {
    const t = new StateTracker(declared, { silenceMs: 180_000 });
    t.restore([
      { entity: { kind: "device", name: "r1" }, state: "up", startMs: T0 - 3_600_000, reason: "SNMP poll answered" },
      { entity: { kind: "link", name: "l1" }, state: "up", startMs: T0 - 3_600_000, reason: "both ends up" },
      { entity: { kind: "interface", name: "r1/Gi0/0" }, state: "up", startMs: T0 - 3_600_000, reason: "ifOperStatus up" },
      { entity: { kind: "interface", name: "r2/Gi0/1" }, state: "up", startMs: T0 - 3_600_000, reason: "ifOperStatus up" },
      { entity: { kind: "agent", name: "agent-1" }, state: "up", startMs: T0 - 3_600_000 },
    ], T0);
    expect(t.observe([poll("r1", 1, T0 + 1000), ...oper("r1", "Gi0/0", 1, T0 + 1000)], T0 + 1000)).toEqual([]);
    expect(t.current("device", "r1")).toEqual({ state: "up", sinceMs: T0 - 3_600_000, reason: "SNMP poll answered" });
    expect(t.observe(oper("r2", "Gi0/1", 2, T0 + 2000), T0 + 2000).map(show)).toEqual(["interface:r2/Gi0/1 down @2000 ifOperStatus down", "link:l1 down @2000 r2/Gi0/1: ifOperStatus down"]);
    // Silence is counted from the last sample heard, or from the restart for what is not heard again; links follow their ends.
    expect(t.sweep(T0 + 181_500).map(show)).toEqual(["device:r1 unknown @181500 nothing heard for 180 s", "interface:r1/Gi0/0 unknown @181500 nothing heard for 180 s"]);
    expect(t.sweep(T0 + 182_500).map(show)).toEqual(["interface:r2/Gi0/1 unknown @182500 nothing heard for 180 s", "link:l1 unknown @182500 neither end can be seen"]);
  });
});
