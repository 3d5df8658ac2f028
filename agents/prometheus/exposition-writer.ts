/**
 * Renders samples to the Prometheus text format 0.0.4, for the agent's own endpoints (probes,
 * /snmp). Generic on purpose: callers hand over families, the writer escapes and validates.
 * Spec: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

/** Content-Type of what renderExposition produces. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample to write; `name` defaults to the family name (set it for `_bucket`, `_sum`, ...). */
export interface ExpositionSampleInput {
  name?: string;
  labels?: Readonly<Record<string, string>>;
  value: number;
  timestampMs?: number;
}

/** One family to write: metadata then its samples, in the order given. */
export interface ExpositionFamilyInput {
  name: string;
  help?: string;
  type?: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  samples: readonly ExpositionSampleInput[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Formats a float as Prometheus does: `NaN`, `+Inf`, `-Inf`, otherwise the shortest round-trip form. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (Object.is(v, -0)) return "-0"; // String(-0) is "0"; Go's FormatFloat keeps the sign
  return String(v);
}

// Label values escape backslash, double quote and line feed; HELP escapes only backslash and LF.
function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}
function escapeHelp(v: string): string {
  return /[\\\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n") : v;
}

/** Renders families to text exposition; throws on an invalid metric or label name or a repeated family. */
export function renderExposition(families: readonly ExpositionFamilyInput[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    // The text format requires all lines of one metric to form a single group.
    if (seen.has(family.name)) throw new Error(`metric family ${JSON.stringify(family.name)} given twice`);
    seen.add(family.name);
    if (family.help !== undefined) out.push(`# HELP ${family.name} ${escapeHelp(family.help)}\n`);
    if (family.type !== undefined) out.push(`# TYPE ${family.name} ${family.type}\n`);
    for (const s of family.samples) {
      const name = s.name ?? family.name;
      if (name !== family.name && !METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
      let line = name;
      const labels = s.labels === undefined ? [] : Object.entries(s.labels);
      if (labels.length > 0) {
        const parts: string[] = [];
        for (const [k, v] of labels) {
          if (!LABEL_NAME.test(k)) throw new Error(`invalid label name ${JSON.stringify(k)} on metric ${JSON.stringify(name)}`);
          parts.push(`${k}="${escapeLabelValue(v)}"`);
        }
        line += `{${parts.join(",")}}`;
      }
      line += ` ${formatSampleValue(s.value)}`;
      if (s.timestampMs !== undefined) line += ` ${Math.round(s.timestampMs)}`;
      out.push(`${line}\n`);
    }
  }
  return out.join("");
}
