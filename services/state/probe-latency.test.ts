import { describe, expect, it } from "vitest";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { StateTracker, type DeclaredEntities, type StateChange } from "./state-tracker.ts";

const declared: DeclaredEntities = {
  devices: new Set(["r1"]),
  interfaces: new Set(),
  links: [],
  hotspots: new Set(),
  services: new Set(["portal", "gis"]),
  // gis declares no threshold: never slow, however long it takes.
  serviceSlowAboveMs: new Map([["portal", 800]]),
};

const T0 = Date.parse("2026-03-02T03:00:00Z");
const ts = (name: string, labels: Record<string, string>, value: number, at: number): TimeSeries => ({ labels: { __name__: name, ...labels }, samples: [{ value, timestampMs: at }] });
/** One probe run as the agent ships it: probe_success then probe_duration_seconds, at the run's timestamp. */
const probe = (sec: number, success: 0 | 1, ms: number, service = "portal", extra: Record<string, number> = {}) => [
  ...Object.entries(extra).map(([name, v]) => ts(name, { service }, v, T0 + sec * 1000)),
  ts("probe_success", { service }, success, T0 + sec * 1000),
  ts("probe_duration_seconds", { service }, ms / 1000, T0 + sec * 1000),
];
/** Probe runs every 30 s from `from`, each arriving as it is taken: [success, duration ms]. */
const runs = (from: number, results: [0 | 1, number][], service = "portal") => results.map(([ok, ms], i) => ({ at: (from + i * 30) * 1000, batch: probe(from + i * 30, ok, ms, service) }));
const show = (c: StateChange) => `${c.entity.kind}:${c.entity.name} ${c.state} @${(c.atMs - T0) / 1000} ${c.reason}`;

function run(steps: { at: number; batch: TimeSeries[] }[], tracker = new StateTracker(declared)): string[] {
  return steps.flatMap((s) => tracker.observe(s.batch, T0 + s.at).map(show));
}

const cases: [string, { at: number; batch: TimeSeries[] }[], string[]][] = [
  [
    "three successful probes in a row above the threshold make the service degraded, saying how slow; one or two slow blips do not",
    runs(0, [[1, 120], [1, 950], [1, 1100], [1, 130], [1, 900], [1, 1000], [1, 1240], [1, 1300]]),
    ["service:portal up @0 probe succeeded", "service:portal degraded @180 slow: 3 consecutive probes above 800 ms, last 1,240 ms"],
  ],
  [
    "a slow service is up again only after three probes in a row under the threshold, so it does not flap",
    runs(0, [[1, 900], [1, 900], [1, 900], [1, 200], [1, 900], [1, 200], [1, 200], [1, 790], [1, 900]]),
    ["service:portal up @0 probe succeeded", "service:portal degraded @60 slow: 3 consecutive probes above 800 ms, last 900 ms", "service:portal up @210 probe succeeded"],
  ],
  [
    "a probe at the threshold is not above it",
    runs(0, [[1, 800], [1, 800], [1, 800], [1, 800]]),
    ["service:portal up @0 probe succeeded"],
  ],
  [
    "a failed probe is down and ends the count: the service is judged afresh from its next answer",
    runs(0, [[1, 900], [1, 900], [0, 5000], [1, 900], [1, 900], [1, 900], [0, 5000], [1, 100]]),
    [
      "service:portal up @0 probe succeeded",
      "service:portal down @60 probe failed",
      "service:portal up @90 probe succeeded",
      "service:portal degraded @150 slow: 3 consecutive probes above 800 ms, last 900 ms",
      "service:portal down @180 probe failed",
      "service:portal up @210 probe succeeded",
    ],
  ],
  [
    "a service with no threshold is never slow",
    runs(0, [[1, 4000], [1, 4000], [1, 4000], [1, 4000]], "gis"),
    ["service:gis up @0 probe succeeded"],
  ],
  [
    "a probe's duration arriving in a later batch than its result counts once, however often it is sent",
    [
      { at: 0, batch: probe(0, 1, 900) },
      { at: 30_000, batch: probe(30, 1, 900).slice(0, 1) },
      { at: 30_100, batch: probe(30, 1, 900).slice(1) },
      { at: 30_200, batch: probe(30, 1, 900) },
      { at: 60_000, batch: probe(60, 1, 900) },
    ],
    ["service:portal up @0 probe succeeded", "service:portal degraded @60 slow: 3 consecutive probes above 800 ms, last 900 ms"],
  ],
  [
    "probes are counted while an expiring certificate is the reason: renewed but still slow stays degraded, up after three fast",
    [
      ...[0, 30, 60].map((sec) => ({ at: sec * 1000, batch: probe(sec, 1, 1000, "portal", { probe_ssl_earliest_cert_expiry: (T0 + 5 * 86_400_000) / 1000 }) })),
      ...runs(90, [[1, 1000], [1, 100], [1, 100], [1, 100]]),
    ],
    ["service:portal degraded @0 certificate expires in 5 days", "service:portal up @180 probe succeeded"],
  ],
];

describe("StateTracker: a slow service is degraded", () => {
  it.each(cases)("%s", (_name, steps, expected) => {
    expect(run(steps)).toEqual(expected);
  });

  it("continues a service recorded as slow before a restart: degraded until three fast probes, not up at the first", () => {
    const t = new StateTracker(declared);
    const reason = "slow: 3 consecutive probes above 800 ms, last 1,240 ms";
    t.restore([{ entity: { kind: "service", name: "portal" }, state: "degraded", startMs: T0 - 3_600_000, reason }], T0);
    expect(run(runs(0, [[1, 100], [1, 100]]), t)).toEqual([]);
    expect(t.current("service", "portal")).toEqual({ state: "degraded", sinceMs: T0 - 3_600_000, reason });
    expect(run(runs(60, [[1, 100]]), t)).toEqual(["service:portal up @60 probe succeeded"]);
  });
});
