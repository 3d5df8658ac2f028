/**
 * The metric families of one exposition payload: which family each sample belongs to (its name
 * and the suffixes its type allows), the rules of metadata lines (HELP, TYPE and UNIT once each,
 * before the samples; OM: a family's lines together), and the labels a type requires of its
 * samples (`le` on buckets, `quantile` on summary quantiles).
 */
import type { ExpositionCursor } from "./exposition-cursor.ts";
import { OM_SUFFIXES, quote, TEXT_STRIPPABLE, TEXT_SUFFIXES } from "./exposition-grammar.ts";
import { parseNumberToken } from "./exposition-number.ts";
import type { KnownSeries, MetricFamily, MetricType } from "./exposition.types.ts";

/** The metadata lines a family can have. */
export type MetadataKind = "HELP" | "TYPE" | "UNIT";

export class MetricFamilies {
  private readonly byName = new Map<string, MetricFamily>();
  private readonly typed = new Set<MetricFamily>();
  /** Families that already have samples (metadata after samples is an error). */
  private readonly withSamples = new Set<MetricFamily>();
  private readonly om: boolean;
  private readonly suffixes: Partial<Record<MetricType, readonly string[]>>;
  private current: MetricFamily | undefined;
  private lastName = "";
  private lastFamily: MetricFamily | undefined;

  /** `cursor` says which line an error is on. */
  constructor(private readonly cursor: ExpositionCursor) {
    this.om = cursor.om;
    this.suffixes = this.om ? OM_SUFFIXES : TEXT_SUFFIXES;
  }

  /** Every family, in the order of its first line. */
  list(): MetricFamily[] {
    return [...this.byName.values()];
  }

  /** The family of a sample named `name`, created if no metadata announced it. */
  ofSample(name: string): MetricFamily {
    // Consecutive samples mostly belong to the family of the line before.
    if (name === this.lastName && this.current === this.lastFamily && this.lastFamily !== undefined) return this.lastFamily;
    const family = this.lookup(name);
    this.withSamples.add(family);
    this.lastName = name;
    this.lastFamily = family;
    return family;
  }

  /** Records one HELP, TYPE or UNIT line (`text` is the help text, type or unit). */
  describe(name: string, kind: MetadataKind, text: string): void {
    const family = this.forMetadata(name, kind);
    if (kind === "HELP") {
      if (family.help !== undefined) this.cursor.fail(`second HELP line for metric ${quote(name)}`);
      family.help = text;
    } else if (kind === "TYPE") {
      if (this.typed.has(family)) this.cursor.fail(`second TYPE line for metric ${quote(name)}`);
      if (this.suffixes[text as MetricType] === undefined) this.cursor.fail(`unknown metric type ${quote(text)} for metric ${quote(name)}`);
      this.typed.add(family);
      family.type = text as MetricType;
    } else {
      if (family.unit !== undefined) this.cursor.fail(`second UNIT line for metric ${quote(name)}`);
      // OM: "If non-empty, it MUST be a suffix of the MetricFamily name separated by an underscore."
      if (text !== "" && !name.endsWith(`_${text}`)) this.cursor.fail(`unit ${quote(text)} is not a suffix of metric name ${quote(name)}`);
      family.unit = text;
    }
  }

  /** Histogram buckets need `le`, summary quantiles need `quantile` (both formats). */
  checkTypeLabels(family: MetricFamily, name: string, labels: Record<string, string> | KnownSeries): void {
    const t = family.type;
    if ((t === "histogram" || t === "gaugehistogram") && name.length === family.name.length + 7) {
      const le = labels["le"];
      if (le === undefined) this.cursor.fail(`histogram bucket ${quote(name)} has no "le" label`);
      if (Number.isNaN(parseNumberToken(le))) this.cursor.fail(`invalid "le" label value ${quote(le)}`);
    } else if (t === "summary" && name.length === family.name.length) {
      const q = labels["quantile"];
      if (q === undefined) this.cursor.fail(`summary quantile ${quote(name)} has no "quantile" label`);
      if (Number.isNaN(parseNumberToken(q))) this.cursor.fail(`invalid "quantile" label value ${quote(q)}`);
    }
  }

  private newFamily(name: string): MetricFamily {
    const family: MetricFamily = { name, type: this.om ? "unknown" : "untyped", samples: [] };
    this.byName.set(name, family);
    this.current = family;
    return family;
  }

  private forMetadata(name: string, kind: MetadataKind): MetricFamily {
    const cur = this.current;
    if (cur !== undefined && cur.name === name) {
      if (this.withSamples.has(cur)) this.cursor.fail(`${kind} line for metric ${quote(name)} after its samples`);
      return cur;
    }
    const known = this.byName.get(name);
    if (known === undefined) return this.newFamily(name);
    // OM: "All lines for a given MetricFamily MUST be together." Text format: metadata first.
    if (this.om) this.cursor.fail(`metric family ${quote(name)} appears more than once; its lines must be together`);
    if (this.withSamples.has(known)) this.cursor.fail(`${kind} line for metric ${quote(name)} after its samples`);
    this.current = known;
    return known;
  }

  private belongs(family: MetricFamily, name: string): boolean {
    const base = family.name;
    if (!name.startsWith(base)) return false;
    for (const suffix of this.suffixes[family.type] ?? [""]) {
      if (name.length === base.length + suffix.length && (suffix === "" || name.endsWith(suffix))) return true;
    }
    return false;
  }

  private lookup(name: string): MetricFamily {
    const cur = this.current;
    if (cur !== undefined && this.belongs(cur, name)) return cur;
    if (this.om) {
      const clash = this.byName.get(name);
      if (clash !== undefined && clash === cur) {
        const allowed = (this.suffixes[clash.type] ?? [""]).map((x) => clash.name + x).join(", ");
        this.cursor.fail(`sample ${quote(name)} does not belong to ${clash.type} family ${quote(clash.name)} (expected ${allowed})`);
      }
      if (clash !== undefined) this.cursor.fail(`metric family ${quote(name)} appears more than once; its lines must be together`);
      return this.newFamily(name);
    }
    const exact = this.byName.get(name);
    if (exact !== undefined && this.belongs(exact, name)) return (this.current = exact);
    for (const suffix of TEXT_STRIPPABLE) {
      if (!name.endsWith(suffix)) continue;
      const base = this.byName.get(name.slice(0, name.length - suffix.length));
      if (base !== undefined && this.belongs(base, name)) return (this.current = base);
    }
    return exact ?? this.newFamily(name);
  }
}
