import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExposition } from "./exposition-parser.ts";
import { renderExposition, type ExpositionFamilyInput } from "./exposition-writer.ts";

describe("renderExposition", () => {
  it("writes HELP, TYPE, escaped labels, special values and timestamps", () => {
    const text = renderExposition([
      { name: "probe_success", help: "Displays whether or not the probe was a success", type: "gauge", samples: [{ value: 1 }] },
      { name: "if_descr_info", help: "a \\ b\nc", samples: [{ labels: { ifDescr: 'Gi0/1 "uplink"\\x\ny' }, value: 1, timestampMs: 1700000000000 }] },
      { name: "lat_seconds", type: "histogram", samples: [{ name: "lat_seconds_bucket", labels: { le: "+Inf" }, value: 2 }, { name: "lat_seconds_sum", value: NaN }, { name: "lat_seconds_count", value: -Infinity }] },
    ]);
    expect(text).toBe(
      [
        "# HELP probe_success Displays whether or not the probe was a success",
        "# TYPE probe_success gauge",
        "probe_success 1",
        "# HELP if_descr_info a \\\\ b\\nc",
        'if_descr_info{ifDescr="Gi0/1 \\"uplink\\"\\\\x\\ny"} 1 1700000000000',
        "# TYPE lat_seconds histogram",
        'lat_seconds_bucket{le="+Inf"} 2',
        "lat_seconds_sum NaN",
        "lat_seconds_count -Inf",
        "",
      ].join("\n"),
    );
  });

  it.each([
    { what: "metric name", families: [{ name: "1bad", samples: [] }], message: 'invalid metric name "1bad"' },
    { what: "label name", families: [{ name: "ok", samples: [{ labels: { "bad-name": "x" }, value: 1 }] }], message: 'invalid label name "bad-name" on metric "ok"' },
    { what: "repeated family", families: [{ name: "ok", samples: [] }, { name: "ok", samples: [] }], message: 'metric family "ok" given twice' },
  ])("refuses an invalid $what", ({ families, message }) => {
    expect(() => renderExposition(families as ExpositionFamilyInput[])).toThrow(message);
  });

  it("whatever it writes, the parser reads back identically", () => {
    const labelValue = fc.string({ unit: fc.constantFrom("a", "\\", '"', "\n", " ", "é", "{", "}", "=", ",") });
    const family = fc.record({
      name: fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/),
      // Leading blanks of HELP text are separator in the text format (Go's expfmt skips them too).
      help: fc.option(labelValue.filter((h) => !h.startsWith(" ")), { nil: undefined }),
      samples: fc.array(fc.record({ labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/), labelValue, { maxKeys: 3 }), value: fc.double() }), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(family, { selector: (f) => f.name, maxLength: 5 }), (families) => {
        const parsed = parseExposition(renderExposition(families));
        const want = families.flatMap((f) => f.samples.map((s) => ({ name: f.name, labels: s.labels, value: s.value })));
        expect(parsed.samples.map((s) => ({ name: s.name, labels: s.labels, value: s.value }))).toEqual(want);
        for (const f of families) if (f.help !== undefined) expect(parsed.families.find((p) => p.name === f.name)?.help).toBe(f.help);
      }),
      { numRuns: 500 },
    );
  });
});
