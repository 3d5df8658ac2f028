import { describe, expect, it } from "vitest";
import { compileRelabelRules, type RelabelRule } from "./metric-relabel.ts";
import { EMPTY_SCRAPE_STATE, processScrape, type ScrapeAttempt, type ScrapeLimits, type ScrapeState } from "./scrape-result.ts";
import { isStaleNaN, STALE_NAN } from "./staleness.ts";

const TARGET = { job: "sso", instance: "10.0.0.5:9100" };
const ok = (body: string, contentType = "text/plain; version=0.0.4"): ScrapeAttempt => ({ startedMs: 1000, durationSeconds: 0.25, response: { status: 200, contentType, body } });
function run(attempt: ScrapeAttempt, opts: { limits?: ScrapeLimits; relabel?: RelabelRule[]; state?: ScrapeState } = {}) {
  return processScrape(attempt, { targetLabels: TARGET, filter: compileRelabelRules(opts.relabel ?? []), limits: opts.limits ?? {} }, opts.state ?? EMPTY_SCRAPE_STATE);
}
const byName = (samples: { name: string; value: number }[], name: string) => samples.filter((s) => s.name === name).map((s) => s.value);

describe("processScrape", () => {
  it("attaches target labels, keeps a clashing scraped label as exported_*, and adds the synthetic series", () => {
    const out = run(ok('a{job="app"} 1\nb 2 5000\n'));
    expect(out.up).toBe(true);
    expect(out.samples.slice(0, 2)).toEqual([
      { name: "a", labels: { job: "sso", exported_job: "app", instance: "10.0.0.5:9100" }, value: 1, timestampMs: 1000 },
      { name: "b", labels: TARGET, value: 2, timestampMs: 5000 },
    ]);
    expect(Object.fromEntries(out.samples.slice(2).map((s) => [s.name, s.value]))).toEqual({ up: 1, scrape_duration_seconds: 0.25, scrape_samples_scraped: 2, scrape_samples_post_metric_relabeling: 2 });
    expect(out.samples[2]?.labels).toEqual(TARGET);
  });

  it("reads OpenMetrics when the server says so", () => {
    expect(byName(run(ok("# TYPE c counter\nc_total 3\n# EOF\n", "application/openmetrics-text; version=1.0.0")).samples, "c_total")).toEqual([3]);
  });

  const failures: { what: string; attempt: ScrapeAttempt; limits?: ScrapeLimits; error: string; scraped: number }[] = [
    { what: "network error", attempt: { startedMs: 1000, durationSeconds: 1, error: "connect ECONNREFUSED 127.0.0.1:1" }, error: "connect ECONNREFUSED 127.0.0.1:1", scraped: 0 },
    { what: "HTTP 503", attempt: { startedMs: 1000, durationSeconds: 1, response: { status: 503, contentType: "text/plain", body: "busy" } }, error: "server returned HTTP status 503", scraped: 0 },
    { what: "bad exposition", attempt: ok("a 1\nb{ 2\n"), error: 'invalid exposition: line 2: invalid label name "2"', scraped: 0 },
    { what: "sample_limit", attempt: ok("a 1\nb 2\nc 3\n"), limits: { sampleLimit: 2 }, error: "sample_limit exceeded (samples: 3, limit: 2)", scraped: 3 },
    { what: "label_limit", attempt: ok('a{x="1",y="2"} 1\n'), limits: { labelLimit: 4 }, error: "label_limit exceeded (metric: a, number of labels: 5, limit: 4)", scraped: 1 },
  ];
  it.each(failures)("a $what fails the whole scrape with up=0 and the reason", ({ attempt, limits, error, scraped }) => {
    const out = run(attempt, { limits });
    expect(out.up).toBe(false);
    expect(out.error).toBe(error);
    expect(out.samples.map((s) => s.name)).toEqual(["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling"]);
    expect(byName(out.samples, "up")).toEqual([0]);
    expect(byName(out.samples, "scrape_samples_scraped")).toEqual([scraped]);
  });

  it("limits at exactly the limit pass", () => {
    expect(run(ok('a{x="1"} 1\nb 2\n'), { limits: { sampleLimit: 2, labelLimit: 4 } }).up).toBe(true);
  });

  it.each([
    { rules: [{ action: "drop", sourceLabel: "__name__", regex: "go_.*" }], kept: ["node_load1", "http_requests_total", "http_requests_total"] },
    { rules: [{ action: "keep", sourceLabel: "__name__", regex: "http_.*|node_load1" }], kept: ["node_load1", "http_requests_total", "http_requests_total"] },
    { rules: [{ action: "keep", sourceLabel: "code", regex: "5.." }], kept: ["http_requests_total"] },
    { rules: [{ action: "drop", sourceLabel: "code", regex: "" }], kept: ["http_requests_total", "http_requests_total"] },
    { rules: [{ action: "keep", sourceLabel: "__name__", regex: "http" }], kept: [] }, // anchored: "http" alone does not match
  ] as { rules: RelabelRule[]; kept: string[] }[])("relabel $rules.0.action $rules.0.sourceLabel=~$rules.0.regex", ({ rules, kept }) => {
    const out = run(ok('go_goroutines 9\nnode_load1 0.5\nhttp_requests_total{code="200"} 1\nhttp_requests_total{code="503"} 2\n'), { relabel: rules });
    expect(out.samples.filter((s) => !s.name.startsWith("scrape_") && s.name !== "up").map((s) => s.name)).toEqual(kept);
    expect(byName(out.samples, "scrape_samples_post_metric_relabeling")).toEqual([kept.length]);
  });

  it("rejects a bad relabel regex at configuration time", () => {
    expect(() => compileRelabelRules([{ action: "keep", sourceLabel: "__name__", regex: "(" }])).toThrow('invalid relabel regex "("');
  });

  it("emits one stale marker for a vanished series, and all series go stale when the target fails", () => {
    const first = run(ok('a{k="1"} 1\na{k="2"} 2\nwith_ts 1 500\n'));
    const second = run(ok('a{k="1"} 1\n'), { state: first.state });
    const stale = second.samples.filter((s) => s.stale === true);
    expect(stale).toEqual([{ name: "a", labels: { k: "2", ...TARGET }, value: STALE_NAN, timestampMs: 1000, stale: true }]);
    expect(isStaleNaN(stale[0]?.value ?? 0)).toBe(true);
    const third = run(ok('a{k="1"} 1\n'), { state: second.state });
    expect(third.samples.filter((s) => s.stale)).toHaveLength(0); // only once
    const down = run({ startedMs: 2000, durationSeconds: 1, error: "timeout" }, { state: third.state });
    expect(down.samples.filter((s) => s.stale).map((s) => s.labels["k"])).toEqual(["1"]);
    const stillDown = run({ startedMs: 3000, durationSeconds: 1, error: "timeout" }, { state: down.state });
    expect(stillDown.samples.filter((s) => s.stale)).toHaveLength(0);
  });

  it("tells the staleness NaN from an ordinary NaN", () => {
    expect([isStaleNaN(STALE_NAN), isStaleNaN(NaN), isStaleNaN(1)]).toEqual([true, false, false]);
  });
});
