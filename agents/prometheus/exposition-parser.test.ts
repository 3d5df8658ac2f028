import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import client from "prom-client";
import { describe, expect, it } from "vitest";
import { ExpositionParseError, formatFromContentType, parseExposition, scanExposition, textHash } from "./exposition-parser.ts";
import type { ExpositionFormat, ExpositionVisitor, KnownSeries, Sample } from "./exposition.types.ts";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/exposition/", import.meta.url));
const fixture = (name: string): string => readFileSync(FIXTURES + name, "utf8");
const plain = (samples: Sample[]) => samples.map((s) => ({ name: s.name, labels: s.labels, value: s.value }));

describe("parseExposition: text format 0.0.4", () => {
  const cases: { what: string; input: string; samples: Partial<Sample>[] }[] = [
    { what: "bare sample", input: "up 1\n", samples: [{ name: "up", labels: {}, value: 1 }] },
    { what: "labels and ms timestamp", input: 'http_requests_total{method="post",code="200"} 1027 1395066363000\n', samples: [{ name: "http_requests_total", labels: { method: "post", code: "200" }, value: 1027, timestampMs: 1395066363000 }] },
    { what: "escaped label value", input: 'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9\n', samples: [{ labels: { path: "C:\\DIR\\FILE.TXT", error: 'Cannot find file:\n"FILE.TXT"' }, value: 1.458255915e9 }] },
    { what: "special values", input: "a +Inf\nb -Inf\nc NaN\nd Nan\ne -0.5e-3\n", samples: [{ value: Infinity }, { value: -Infinity }, { value: NaN }, { value: NaN }, { value: -0.0005 }] },
    { what: "blank lines, comments, blanks and trailing comma", input: "\n# a comment\n  \nx{ a = \"1\" , } \t 2 \n", samples: [{ name: "x", labels: { a: "1" }, value: 2 }] },
    { what: "negative timestamp", input: "x 1 -5\n", samples: [{ value: 1, timestampMs: -5 }] },
    { what: "label names that are Object.prototype keys", input: 'x{constructor="a",__proto__="b",toString="c"} 1\n', samples: [{ labels: JSON.parse('{"constructor":"a","__proto__":"b","toString":"c"}') as Record<string, string> }] },
    { what: "no trailing newline", input: "x 3", samples: [{ name: "x", value: 3 }] },
  ];
  it.each(cases)("$what", ({ input, samples }) => {
    const got = parseExposition(input, "text").samples;
    expect(got).toHaveLength(samples.length);
    samples.forEach((want, i) => expect(got[i]).toMatchObject(want));
  });

  it("groups histogram and summary samples under their family with HELP and TYPE", () => {
    const input = [
      "# HELP rpc_seconds RPC latency.\\nSecond line \\\\ backslash",
      "# TYPE rpc_seconds histogram",
      'rpc_seconds_bucket{service="a",le="0.5"} 1',
      'rpc_seconds_bucket{service="a",le="+Inf"} 2',
      'rpc_seconds_sum{service="a"} 3.5',
      'rpc_seconds_count{service="a"} 2',
      "# TYPE q summary",
      'q{quantile="0.9"} 7',
      "q_sum 9",
      "q_count 2",
      "other 1",
    ].join("\n");
    const { families } = parseExposition(input);
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ["rpc_seconds", "histogram", 4],
      ["q", "summary", 3],
      ["other", "untyped", 1],
    ]);
    expect(families[0]?.help).toBe("RPC latency.\nSecond line \\ backslash");
    expect(families[0]?.samples[1]?.labels).toEqual({ service: "a", le: "+Inf" });
  });
});

describe("parseExposition: OpenMetrics 1.0", () => {
  it("reads counters with _total/_created, units, info, exemplars and float-second timestamps", () => {
    const input = [
      "# TYPE req counter",
      '# HELP req Requests with \\"quotes\\".',
      'req_total{code="200"} 10 1.5 # {trace_id="x"} 1.0 1.5',
      'req_created{code="200"} 1700000000.25',
      "# TYPE build info",
      'build_info{version="1.2"} 1',
      "# TYPE lat_seconds histogram",
      "# UNIT lat_seconds seconds",
      'lat_seconds_bucket{le="1"} 1 # {trace_id="y"} 0.5',
      'lat_seconds_bucket{le="+Inf"} 2',
      "lat_seconds_count 2",
      "lat_seconds_sum 1.5",
      "lat_seconds_created 1",
      "# EOF",
      "",
    ].join("\n");
    const { samples, families } = parseExposition(input, "openmetrics");
    expect(families.map((f) => [f.name, f.type, f.unit, f.samples.map((s) => s.name)])).toEqual([
      ["req", "counter", undefined, ["req_total", "req_created"]],
      ["build", "info", undefined, ["build_info"]],
      ["lat_seconds", "histogram", "seconds", ["lat_seconds_bucket", "lat_seconds_bucket", "lat_seconds_count", "lat_seconds_sum", "lat_seconds_created"]],
    ]);
    expect(families[0]?.help).toBe('Requests with "quotes".');
    expect(samples[0]).toMatchObject({ value: 10, timestampMs: 1500, exemplar: { labels: { trace_id: "x" }, value: 1, timestampMs: 1500 } });
    expect(samples[1]?.value).toBe(1700000000.25);
    expect(samples[3]?.exemplar).toEqual({ labels: { trace_id: "y" }, value: 0.5 });
  });

  it("accepts # EOF without a trailing newline, and an empty exposition", () => {
    expect(parseExposition("a 1\n# EOF", "openmetrics").samples).toHaveLength(1);
    expect(parseExposition("# EOF\n", "openmetrics").samples).toHaveLength(0);
  });
});

describe("round trip with prom-client 15", () => {
  type AnyRegistry = client.Registry<client.RegistryContentType>;
  function build(registry: AnyRegistry): void {
    const c = new client.Counter({ name: "city_requests_total", help: 'Requests \\ "quoted"\nsecond line', labelNames: ["code", "path"], registers: [registry] });
    c.inc({ code: "200", path: "/a" }, 5);
    c.inc({ code: "500", path: 'we"ird\\pa\nth' }, 1);
    const g = new client.Gauge({ name: "city_temperature_celsius", help: "g", labelNames: ["room"], registers: [registry] });
    g.set({ room: "a" }, -3.25);
    g.set({ room: "b" }, NaN);
    g.set({ room: "c" }, Infinity);
    g.set({ room: "d" }, -Infinity);
    const h = new client.Histogram({ name: "city_latency_seconds", help: "h", labelNames: ["ward"], buckets: [0.01, 0.1, 1], registers: [registry] });
    h.observe({ ward: "hai_chau" }, 0.05);
    h.observe({ ward: "son_tra" }, 2);
    const s = new client.Summary({ name: "city_payload_bytes", help: "s", labelNames: ["svc"], percentiles: [0.5, 0.99], registers: [registry] });
    for (const v of [10, 20, 30]) s.observe({ svc: "sso" }, v);
  }

  /** The oracle: prom-client's own JSON view of the same registry. */
  async function expected(registry: AnyRegistry, format: ExpositionFormat) {
    const out: { name: string; labels: Record<string, string>; value: number }[] = [];
    for (const m of await registry.getMetricsAsJSON()) {
      for (const v of m.values as { labels: Record<string, string | number>; value: number; metricName?: string }[]) {
        let name = v.metricName ?? m.name;
        if (format === "openmetrics" && String(m.type) === "counter" && !name.endsWith("_total")) name += "_total";
        out.push({ name, labels: Object.fromEntries(Object.entries(v.labels).map(([k, x]) => [k, String(x === Infinity ? "+Inf" : x)])), value: v.value });
      }
    }
    return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  it.each([
    { format: "text" as const, contentType: client.Registry.PROMETHEUS_CONTENT_TYPE },
    { format: "openmetrics" as const, contentType: client.Registry.OPENMETRICS_CONTENT_TYPE },
  ])("$format: every sample, label and value survives", async ({ format, contentType }) => {
    const registry = new client.Registry<typeof contentType>();
    registry.setContentType(contentType);
    build(registry);
    const text = await registry.metrics();
    expect(formatFromContentType(registry.contentType)).toBe(format);
    const parsed = parseExposition(text, format);
    const got = plain(parsed.samples).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(got).toEqual(await expected(registry, format));
    const latency = parsed.families.find((f) => f.name === "city_latency_seconds");
    expect(latency?.type).toBe("histogram");
    expect(latency?.samples.filter((x) => x.labels["ward"] === "son_tra")).toHaveLength(6); // 4 buckets + sum + count
    const help = parsed.families.find((f) => f.name.startsWith("city_requests"))?.help;
    expect(help).toBe('Requests \\ "quoted"\nsecond line');
  });
});

describe("real captures", () => {
  // The independent count: every line that is neither blank nor a comment is one sample.
  it.each(["node-exporter.txt", "prometheus.txt"])("%s: sample count equals its non-comment lines", (file) => {
    const text = fixture(file);
    const lines = text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).length;
    const parsed = parseExposition(text, "text");
    expect(parsed.samples).toHaveLength(lines);
    const typeLines = text.split("\n").filter((l) => l.startsWith("# TYPE ")).length;
    expect(parsed.families).toHaveLength(typeLines); // both exporters TYPE every family
    for (const f of parsed.families) for (const s of f.samples) expect(s.name.startsWith(f.name)).toBe(true);
  });

  it("prometheus.txt: histogram buckets keep their labels", () => {
    const fam = parseExposition(fixture("prometheus.txt")).families.find((f) => f.name === "prometheus_http_request_duration_seconds");
    expect(fam?.type).toBe("histogram");
    expect(fam?.samples.every((s) => s.labels["handler"] !== undefined)).toBe(true);
  });
});

describe("broken input", () => {
  // Each file under test/fixtures/exposition/invalid-*.txt with the exact message it must produce.
  const table: [file: string, message: string][] = [
    ["invalid-duplicate-label.txt", 'line 1: duplicate label name "a"'],
    ["invalid-help-escape.txt", "line 1: invalid escape sequence \\t in HELP text"],
    ["invalid-histogram-no-le.txt", 'line 2: histogram bucket "h_bucket" has no "le" label'],
    ["invalid-label-escape.txt", 'line 1: invalid escape sequence \\q in value of label "a"'],
    ["invalid-label-name.txt", 'line 1: invalid label name "1a"'],
    ["invalid-metric-name.txt", 'line 3: invalid metric name "1abc"'],
    ["invalid-om-after-eof.txt", "line 4: content after # EOF is not allowed"],
    ["invalid-om-blank-line.txt", "line 2: empty lines are not allowed in OpenMetrics"],
    ["invalid-om-comment.txt", 'line 1: invalid comment line "# a free comment": OpenMetrics allows only HELP, TYPE, UNIT and EOF'],
    ["invalid-om-counter-without-total.txt", 'line 2: sample "req" does not belong to counter family "req" (expected req_total, req_created)'],
    ["invalid-om-double-space.txt", "line 2: expected exactly one space before the value"],
    ["invalid-om-exemplar-on-gauge.txt", 'line 2: exemplars are only allowed on counter totals and histogram buckets, not on "g"'],
    ["invalid-om-exemplar-too-long.txt", "line 2: exemplar labels are 138 characters long; at most 128 are allowed"],
    ["invalid-om-missing-eof.txt", "line 3: missing # EOF at the end of OpenMetrics exposition"],
    ["invalid-om-not-contiguous.txt", 'line 5: metric family "a" appears more than once; its lines must be together'],
    ["invalid-om-unit-suffix.txt", 'line 2: unit "bytes" is not a suffix of metric name "foo_seconds"'],
    ["invalid-second-type.txt", 'line 2: second TYPE line for metric "foo"'],
    ["invalid-summary-no-quantile.txt", 'line 2: summary quantile "s" has no "quantile" label'],
    ["invalid-timestamp.txt", 'line 1: invalid timestamp "1.5": text format timestamps are integer milliseconds'],
    ["invalid-trailing-text.txt", 'line 1: unexpected text after the sample: "3"'],
    ["invalid-type-after-samples.txt", 'line 2: TYPE line for metric "foo" after its samples'],
    ["invalid-type.txt", 'line 1: unknown metric type "gaugehistogram" for metric "foo"'],
    ["invalid-unterminated-label.txt", 'line 1: unterminated value for label "a"'],
    ["invalid-value-hex.txt", 'line 1: invalid value "0x1f"'],
    ["invalid-value.txt", 'line 1: invalid value "1.2.3"'],
  ];
  it.each(table)("%s → %s", (file, message) => {
    const format = file.startsWith("invalid-om-") ? "openmetrics" : "text";
    const run = () => parseExposition(fixture(file), format);
    expect(run).toThrow(ExpositionParseError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect((e as ExpositionParseError).message).toBe(message);
      expect((e as ExpositionParseError).line).toBe(Number(/^line (\d+)/.exec(message)?.[1]));
    }
  });

  it("garbage never crashes or hangs: it parses or throws ExpositionParseError", () => {
    const piece = fc.constantFrom("a", "_", "1", " ", "\t", "\n", "#", " HELP ", " TYPE ", " EOF", "{", "}", "=", ",", '"', "\\", "+Inf", "NaN", "e", ".", "-", "_total", "counter", "histogram", "# {", "\r", "é", "\u0000");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }).map((p) => p.join("")), fc.constantFrom<ExpositionFormat>("text", "openmetrics"), (input, format) => {
        try {
          const r = parseExposition(input, format);
          for (const s of r.samples) expect(typeof s.value).toBe("number");
        } catch (e) {
          expect(e).toBeInstanceOf(ExpositionParseError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

type RecordedSeries = KnownSeries & { name: string; labels: Record<string, string> };

/** A visitor with a series cache like the scraper's, recording what a scan hands it. */
class RecordingVisitor implements ExpositionVisitor<RecordedSeries> {
  readonly cache = new Map<string, RecordedSeries>();
  samples: { name: string; labels: Record<string, string>; value: number; timestampMs: number | undefined }[] = [];
  created = 0;
  known(src: string, start: number, end: number, hash: number) {
    expect(hash).toBe(textHash(src, start, end));
    return this.cache.get(src.slice(start, end));
  }
  create(name: string, labels: Record<string, string>, src: string, start: number, end: number, hash: number) {
    expect(hash).toBe(textHash(src, start, end));
    this.created++;
    const series = { name, labels, le: labels["le"], quantile: labels["quantile"] };
    this.cache.set(src.slice(start, end), series);
    return series;
  }
  sample(series: RecordedSeries, value: number, timestampMs: number | undefined): void {
    this.samples.push({ name: series.name, labels: series.labels, value, timestampMs });
  }
}

/** The samples of a payload, or its error message, as parseExposition and as two scans sharing a cache. */
function bothWays(input: string, format: ExpositionFormat) {
  const outcome = (f: () => unknown[]) => {
    try {
      return { samples: f() };
    } catch (e) {
      if (!(e instanceof ExpositionParseError)) throw e;
      return { error: e.message };
    }
  };
  const parsed = outcome(() => parseExposition(input, format).samples.map((s) => ({ name: s.name, labels: s.labels, value: s.value, timestampMs: s.timestampMs })));
  const visitor = new RecordingVisitor();
  const scan = () => {
    visitor.samples = [];
    scanExposition<RecordedSeries>(input, format, visitor);
    return visitor.samples;
  };
  return { parsed, cold: outcome(scan), warm: outcome(scan), visitor };
}

describe("scanExposition: the scraper's path", () => {
  it.each(["node-exporter.txt", "prometheus.txt"])("%s: cold and cached scans hand over exactly parseExposition's samples", (file) => {
    const { parsed, cold, warm, visitor } = bothWays(fixture(file), "text");
    expect(parsed.samples?.length).toBeGreaterThan(100);
    expect(cold).toEqual(parsed);
    expect(warm).toEqual(parsed);
    expect(visitor.created).toBe(parsed.samples?.length); // the second scan parsed no label set
  });

  it("an OpenMetrics payload with timestamps and exemplars scans as it parses", () => {
    const input = '# TYPE req counter\nreq_total{code="200"} 10 1.5 # {trace_id="x"} 1.0 1.5\nreq_created{code="200"} 1\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\nh_sum 4\nh_count 3\n# EOF\n';
    const { parsed, cold, warm } = bothWays(input, "openmetrics");
    expect(parsed.samples).toHaveLength(6);
    expect([cold, warm]).toEqual([parsed, parsed]);
  });

  it.each(readdirSync(FIXTURES).filter((f) => f.startsWith("invalid-")))("%s fails with the same message, also once its good lines are cached", (file) => {
    const { parsed, cold, warm } = bothWays(fixture(file), file.startsWith("invalid-om-") ? "openmetrics" : "text");
    expect(parsed.error).toMatch(/^line \d+: /);
    expect([cold, warm]).toEqual([parsed, parsed]);
  });

  it("garbage: the same samples or the same error as parseExposition, cold and cached", () => {
    const piece = fc.constantFrom("a", "a", "b_bucket", "c_total", "\n", " ", "\t", "{", "}", "=", ",", '"', "\\", 'x="1"', 'le="1"', "quantile", "1", "2.5", "+Inf", "# TYPE a histogram\n", "# TYPE b histogram\n", "# TYPE a summary\n", "# EOF", " # {", "\n");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }).map((p) => p.join("")), fc.constantFrom<ExpositionFormat>("text", "openmetrics"), (input, format) => {
        const { parsed, cold, warm } = bothWays(input, format);
        expect(cold).toEqual(parsed);
        expect(warm).toEqual(parsed);
      }),
      { numRuns: 3000 },
    );
  });
});
