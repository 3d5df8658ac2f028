/**
 * The keep/drop subset of Prometheus `metric_relabel_configs`: a regex, fully anchored as in
 * Prometheus (`^(?:regex)$`), matched against `__name__` or one label; a missing label reads as
 * the empty string. https://prometheus.io/docs/prometheus/latest/configuration/configuration/#relabel_config
 */

/** One keep/drop rule as configured. */
export interface RelabelRule {
  action: "keep" | "drop";
  /** `__name__` for the metric name, otherwise a label name. */
  sourceLabel: string;
  regex: string;
}

/** A compiled rule list: returns true when a sample survives every rule. */
export type SampleFilter = (name: string, labels: Readonly<Record<string, string>>) => boolean;

const KEEP_ALL: SampleFilter = () => true;

/** Compiles rules once (a bad regex fails here, at configuration time, not per scrape). */
export function compileRelabelRules(rules: readonly RelabelRule[]): SampleFilter {
  const compiled = rules.map((r) => {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${r.regex})$`);
    } catch (err) {
      throw new Error(`invalid relabel regex ${JSON.stringify(r.regex)}: ${(err as Error).message}`);
    }
    return { keep: r.action === "keep", label: r.sourceLabel, re };
  });
  // One filter for every empty rule list: the scrape cache stays valid while the filter is the same.
  if (compiled.length === 0) return KEEP_ALL;
  return (name, labels) => {
    for (const r of compiled) {
      const value = r.label === "__name__" ? name : (labels[r.label] ?? "");
      if (r.re.test(value) !== r.keep) return false;
    }
    return true;
  };
}
