import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseExposition } from "./exposition-parser.ts";
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

describe("processScrape: the series cache between scrapes", () => {
  const FIXTURES = fileURLToPath(new URL("../../test/fixtures/exposition/", import.meta.url));
  const scrapedOnly = <T extends { name: string; stale?: boolean }>(samples: T[]): T[] => samples.filter((s) => !s.stale && s.name !== "up" && !s.name.startsWith("scrape_"));
  const staleOf = (samples: { name: string; labels: Record<string, string>; stale?: boolean }[]) => samples.filter((s) => s.stale).map((s) => ({ name: s.name, labels: s.labels }));

  it.each(["node-exporter.txt", "prometheus.txt"])("%s: a cached scrape gives what parsing, target labels and relabelling give", (file) => {
    const body = readFileSync(FIXTURES + file, "utf8");
    const rules: RelabelRule[] = [{ action: "drop", sourceLabel: "__name__", regex: "go_.*" }];
    const filter = compileRelabelRules(rules);
    // The oracle: each parsed sample, target labels attached as Prometheus does, then relabelled.
    const expected = parseExposition(body).samples.flatMap((s) => {
      const labels = { ...s.labels };
      for (const [k, v] of Object.entries(TARGET)) {
        if (k in labels) labels[`exported_${k}`] = labels[k] as string;
        labels[k] = v;
      }
      return filter(s.name, labels) ? [{ name: s.name, labels, value: s.value, timestampMs: s.timestampMs ?? 1000 }] : [];
    });
    expect(expected.length).toBeGreaterThan(100);
    const cold = run(ok(body), { relabel: rules });
    const warm = run(ok(body), { relabel: rules, state: cold.state });
    expect(scrapedOnly(cold.samples)).toEqual(expected);
    expect(scrapedOnly(warm.samples)).toEqual(expected);
    expect(staleOf(warm.samples)).toEqual([]);
  });

  it("the same series written with its labels in another order is not stale; written twice, it goes stale once", () => {
    const first = run(ok('a{x="1",y="2"} 1\na{y="2",x="1"} 2\n'));
    const second = run(ok('a{y="2",x="1"} 3\n'), { state: first.state });
    expect(staleOf(second.samples)).toEqual([]);
    const third = run(ok('a{ x="1" , y="2" } 4\n'), { state: second.state });
    expect(staleOf(third.samples)).toEqual([]);
    const gone = run(ok("b 1\n"), { state: third.state });
    expect(staleOf(gone.samples)).toEqual([{ name: "a", labels: { x: "1", y: "2", ...TARGET } }]);
  });

  it("a series that comes back after going stale goes stale again when it vanishes again", () => {
    let state = run(ok('a{k="1"} 1\na{k="2"} 1\n')).state;
    const staleKs: string[][] = [];
    for (const body of ['a{k="1"} 1\n', 'a{k="1"} 1\na{k="2"} 1\n', 'a{k="1"} 1\n', 'a{k="1"} 1\n']) {
      const out = run(ok(body), { state });
      staleKs.push(staleOf(out.samples).map((s) => s.labels["k"] as string));
      state = out.state;
    }
    expect(staleKs).toEqual([["2"], [], ["2"], []]);
  });

  it("texts with the same hash (Aa, BB) stay apart as they come and go", () => {
    const bodies = ["Aa 1\nBB 2\n", "BB 3\n", "Aa 4\nBB 5\n", "Aa 6\n", "BB 7\nAa 8\n"];
    let state = EMPTY_SCRAPE_STATE;
    const seen = bodies.map((body) => {
      const out = run(ok(body), { state });
      state = out.state;
      return { kept: scrapedOnly(out.samples).map((s) => `${s.name}=${s.value}`), stale: staleOf(out.samples).map((s) => s.name) };
    });
    expect(seen).toEqual([
      { kept: ["Aa=1", "BB=2"], stale: [] },
      { kept: ["BB=3"], stale: ["Aa"] },
      { kept: ["Aa=4", "BB=5"], stale: [] },
      { kept: ["Aa=6"], stale: ["BB"] },
      { kept: ["BB=7", "Aa=8"], stale: [] },
    ]);
  });

  it("different series with the same identity hash stay apart; another text of either is still that series", () => {
    // a{k="v149599"} and a{k="v312382"} collide in the cache's 30-bit identity hash (with TARGET attached).
    let state = EMPTY_SCRAPE_STATE;
    const stale = ['a{k="v149599"} 1\na{k="v312382"} 2\n', 'a{k="v312382"} 3\n', 'a{ k="v312382" } 4\na{k="v149599"} 5\n', 'a{k="v312382"} 6\n', 'a{ k="v149599" } 7\n'].map((body) => {
      const out = run(ok(body), { state });
      state = out.state;
      return staleOf(out.samples).map((s) => s.labels["k"]);
    });
    expect(stale).toEqual([[], ["v149599"], [], ["v149599"], ["v312382"]]);
  });

  it("a target that keeps failing while its series change does not grow the cache without bound", () => {
    let state = EMPTY_SCRAPE_STATE;
    for (let i = 0; i < 10; i++) {
      const lines = Array.from({ length: 2000 }, (_, j) => `s{run="${i}",n="${j}"} 1`);
      const out = run(ok(`${lines.join("\n")}\nbad{ 1\n`), { state });
      expect(out.error).toBe('invalid exposition: line 2001: invalid label name "1"');
      state = out.state;
    }
    expect(state.cache?.size).toBe(2000);
    // A passing failure keeps what the last good scrape read: the next scrape finds it cached.
    const good = run(ok('a{k="1"} 1\n'), { state });
    const failed = run({ startedMs: 2000, durationSeconds: 1, error: "timeout" }, { state: good.state });
    expect(failed.state.cache?.size).toBe(1);
  });

  it("new relabel rules between scrapes: kept series are not stale, newly dropped ones are", () => {
    const first = run(ok('a{k="1"} 1\na{k="2"} 1\n'));
    const second = run(ok('a{k="1"} 1\na{k="2"} 1\n'), { state: first.state, relabel: [{ action: "drop", sourceLabel: "k", regex: "2" }] });
    expect(staleOf(second.samples)).toEqual([{ name: "a", labels: { k: "2", ...TARGET } }]);
    expect(scrapedOnly(second.samples)).toHaveLength(1);
  });

  it("new target labels between scrapes: every old series goes stale with its old labels", () => {
    const first = run(ok('a{k="1"} 1\n'));
    const moved = { job: "sso", instance: "10.0.0.6:9100" };
    const second = processScrape(ok('a{k="1"} 1\n'), { targetLabels: moved, filter: compileRelabelRules([]), limits: {} }, first.state);
    expect(staleOf(second.samples)).toEqual([{ name: "a", labels: { k: "1", ...TARGET } }]);
    expect(scrapedOnly(second.samples)).toEqual([{ name: "a", labels: { k: "1", ...moved }, value: 1, timestampMs: 1000 }]);
  });

  it("a body valid as text and cached is still refused when served as OpenMetrics", () => {
    const body = 'a{x="1", y="2"} 1\n# EOF\n';
    const om = "application/openmetrics-text; version=1.0.0";
    const cold = run(ok(body, om));
    expect(cold.error).toBe('invalid exposition: line 1: invalid label name " y"');
    const text = run(ok('a{x="1", y="2"} 1\n'));
    expect(text.up).toBe(true);
    expect(run(ok(body, om), { state: text.state }).error).toBe(cold.error);
  });

  it("a label_limit breach in a body that does not parse reports the parse error, cached or not", () => {
    const body = 'a{x="1",y="2",z="3"} 1\nb{ 2\n';
    const first = run(ok(body), { limits: { labelLimit: 4 } });
    expect(first.error).toBe('invalid exposition: line 2: invalid label name "2"');
    expect(run(ok(body), { limits: { labelLimit: 4 }, state: first.state }).error).toBe(first.error);
    expect(run(ok('a{x="1",y="2",z="3"} 1\n'), { limits: { labelLimit: 4 }, state: first.state }).error).toBe("label_limit exceeded (metric: a, number of labels: 6, limit: 4)");
  });
});
