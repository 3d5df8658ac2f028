/**
 * Renders SNMP samples as snmp_exporter's `/snmp` answer (text format 0.0.4): one family per
 * metric name, HELP ending in the OID as snmp_exporter writes it, then the scrape's own
 * snmp_scrape_* gauges. Label strings are rendered once per row, since rows share label objects.
 */
import type { SnmpSample } from "./snmp-decode.ts";

function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

function renderLabels(labels: Readonly<Record<string, string>>): string {
  let s = "";
  for (const k of Object.keys(labels).sort()) s += `${s === "" ? "" : ","}${k}="${escapeLabel(labels[k] as string)}"`;
  return s === "" ? "" : `{${s}}`;
}

function formatValue(v: number): string {
  return Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);
}

/** Scrape statistics appended after the device's metrics (snmp_exporter's names). */
export interface SnmpScrapeStats {
  walkSeconds: number;
  durationSeconds: number;
  pdus: number;
  /** Varbinds that did not fit their metric. */
  badVarbinds?: number;
}

/** Renders samples and scrape statistics to exposition text. */
export function renderSnmpExposition(samples: readonly SnmpSample[], stats: SnmpScrapeStats): string {
  const families = new Map<string, SnmpSample[]>();
  for (const s of samples) {
    const f = families.get(s.name);
    if (f === undefined) families.set(s.name, [s]);
    else f.push(s);
  }
  const labelCache = new Map<Readonly<Record<string, string>>, string>();
  const out: string[] = [];
  for (const [name, list] of families) {
    const metric = (list[0] as SnmpSample).metric;
    const type = metric.type === "counter" ? "counter" : "gauge";
    out.push(`# HELP ${name} ${(metric.help ?? "").replace(/\\/g, "\\\\").replace(/\n/g, "\\n")} - ${metric.oid}\n# TYPE ${name} ${type}\n`);
    for (const s of list) {
      let l = labelCache.get(s.labels);
      if (l === undefined) labelCache.set(s.labels, (l = renderLabels(s.labels)));
      out.push(`${name}${l} ${formatValue(s.value)}\n`);
    }
  }
  out.push(
    "# HELP snmp_scrape_duration_seconds Total SNMP time scrape took (walk and processing).\n# TYPE snmp_scrape_duration_seconds gauge\n",
    `snmp_scrape_duration_seconds ${stats.durationSeconds}\n`,
    "# HELP snmp_scrape_pdus_returned PDUs returned from walk.\n# TYPE snmp_scrape_pdus_returned gauge\n",
    `snmp_scrape_pdus_returned ${stats.pdus}\n`,
    "# HELP snmp_scrape_walk_duration_seconds Time SNMP walk/bulkwalk took.\n# TYPE snmp_scrape_walk_duration_seconds gauge\n",
    `snmp_scrape_walk_duration_seconds ${stats.walkSeconds}\n`,
  );
  return out.join("");
}
