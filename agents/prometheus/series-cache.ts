/**
 * The scrape cache of one target, as Prometheus keeps one (scrape/scrape.go, scrapeCache): the
 * series text exactly as the target wrote it (`name{labels}`) → the series with the target
 * labels attached, its metric relabelling decision and its label count. A series seen in an
 * earlier scrape then costs one map lookup instead of label parsing, copying and relabelling,
 * and every sample of it shares one labels object.
 */
import type { ExpositionFormat, KnownSeries } from "./exposition.types.ts";
import type { SampleFilter } from "./metric-relabel.ts";
import { seriesKey } from "./staleness.ts";

/** One series text of a target. Its `labels` are shared by every sample of it: read only. */
export class CachedSeries implements KnownSeries {
  /** The scrape (generation) that last read this text; texts not read are swept. */
  readIn = 0;
  /** The scrape that last kept a sample of this series without explicit timestamp (staleness). */
  activeIn = 0;
  /** The scrape that last read any text of this series. */
  aliveIn = 0;
  /** The first text of the same series: label order may differ between texts (`a{x,y}`, `a{y,x}`). */
  series: CachedSeries = this;
  /** The next text with the same textHash. */
  next: CachedSeries | undefined;

  constructor(
    /** The series text as the target wrote it. */
    readonly text: string,
    readonly hash: number,
    readonly name: string,
    readonly labels: Record<string, string>,
    readonly le: string | undefined,
    readonly quantile: string | undefined,
    /** Survives metric relabelling. */
    readonly keep: boolean,
    /** As label_limit counts: every label plus `__name__`. */
    readonly labelCount: number,
    /** A hash of name plus sorted labels (seriesKey), to find other texts of the same series. */
    readonly identity: number,
  ) {}
}

/**
 * Two 26-bit FNV-1a style hashes of seriesKey(name, labels) as one integer below 2^52, computed
 * without building the key string (100k keys were a quarter of the cache's memory).
 */
function identityHash(name: string, labels: Readonly<Record<string, string>>): number {
  let a = 0x811c9dc5 | 0, b = 0x01000193;
  const mix = (s: string): void => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    a = Math.imul(a ^ 0xff, 0x01000193);
    b = Math.imul(b ^ 0xfe, 0x5bd1e995);
  };
  mix(name);
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  for (const k of keys) {
    mix(k);
    mix(labels[k] as string);
  }
  return (a >>> 6) * 0x4000000 + (b >>> 6);
}

/**
 * A flat copy of a series text: compared character by character on every scrape, which is
 * several times faster on a plain one-byte string than through a slice of another string.
 */
function flatText(s: string): string {
  // latin1 round-trips exactly only below U+0100; other texts keep a detached copy.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return detach(s);
  return Buffer.from(s, "latin1").toString("latin1");
}

/**
 * A copy of `s` that does not keep the whole scrape body alive: V8 slices of 13 characters or
 * more point into their parent string, and a cache entry outlives the scrape that created it.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

const MAX_INTERNED = 1 << 16;

/** The series cache of one target for one format, target label set and relabel filter. */
export class SeriesCache {
  /** Texts by textHash; texts with the same hash are chained through `next`. */
  private readonly byText = new Map<number, CachedSeries>();
  private texts = 0;
  private readonly byIdentity = new Map<number, CachedSeries>();
  /**
   * One string per distinct metric name, label name and label value, shared by all entries.
   * Emptied when full, so series churn cannot grow it without bound.
   */
  private strings = new Map<string, string>();
  private readonly targetLabels: Readonly<Record<string, string>>;

  constructor(
    readonly format: ExpositionFormat,
    targetLabels: Readonly<Record<string, string>>,
    readonly filter: SampleFilter,
  ) {
    this.targetLabels = { ...targetLabels };
  }

  /** Whether entries made for these settings are still right (they embed target labels and relabelling). */
  fits(format: ExpositionFormat, targetLabels: Readonly<Record<string, string>>, filter: SampleFilter): boolean {
    if (format !== this.format || filter !== this.filter) return false;
    const mine = this.targetLabels;
    let n = 0;
    for (const k in targetLabels) {
      if (mine[k] !== targetLabels[k] || !Object.hasOwn(mine, k)) return false;
      n++;
    }
    return n === Object.keys(mine).length;
  }

  get size(): number {
    return this.texts;
  }

  /** The entry for the series text src[start, end), whose textHash is `hash`. */
  get(src: string, start: number, end: number, hash: number): CachedSeries | undefined {
    const n = end - start;
    for (let e = this.byText.get(hash); e !== undefined; e = e.next) {
      const text = e.text;
      if (text.length !== n) continue;
      let i = 0;
      while (i < n && text.charCodeAt(i) === src.charCodeAt(start + i)) i++;
      if (i === n) return e;
    }
    return undefined;
  }

  /** A series text src[start, end) read for the first time, with the labels parsed from it. */
  add(name: string, labels: Record<string, string>, src: string, start: number, end: number, hash: number): CachedSeries {
    const own: Record<string, string> = {};
    for (const k in labels) this.setLabel(own, this.intern(k), this.intern(labels[k] as string));
    const le = own["le"], quantile = own["quantile"];
    const targetLabels = this.targetLabels;
    for (const k in targetLabels) {
      if (Object.hasOwn(own, k)) own[`exported_${k}`] = own[k] as string;
      own[k] = targetLabels[k] as string;
    }
    name = this.intern(name);
    const identity = identityHash(name, own);
    // Metric relabelling sees the target labels, as in Prometheus (they are attached first).
    const entry = new CachedSeries(flatText(src.slice(start, end)), hash, name, own, le, quantile, this.filter(name, own), Object.keys(own).length + 1, identity);
    const first = this.byIdentity.get(identity);
    if (first === undefined) this.byIdentity.set(identity, entry);
    // A hash collision between different series (never seen, but possible) keeps them apart.
    else if (seriesKey(first.name, first.labels) === seriesKey(name, own)) entry.series = first.series;
    entry.next = this.byText.get(hash);
    this.byText.set(hash, entry);
    this.texts++;
    return entry;
  }

  /** Drops the texts and series that scrape `generation` did not read (call after a successful scrape). */
  sweep(generation: number, textsRead: number): void {
    if (this.texts === textsRead) return;
    for (const [hash, first] of this.byText) {
      let kept: CachedSeries | undefined;
      for (let e: CachedSeries | undefined = first; e !== undefined; ) {
        const next: CachedSeries | undefined = e.next;
        if (e.readIn === generation) {
          e.next = kept;
          kept = e;
        } else this.texts--;
        e = next;
      }
      if (kept === undefined) this.byText.delete(hash);
      else if (kept !== first) this.byText.set(hash, kept);
    }
    for (const [identity, e] of this.byIdentity) if (e.aliveIn !== generation) this.byIdentity.delete(identity);
  }

  private intern(s: string): string {
    let kept = this.strings.get(s);
    if (kept === undefined) {
      if (this.strings.size >= MAX_INTERNED) this.strings = new Map();
      this.strings.set((kept = detach(s)), kept);
    }
    return kept;
  }

  private setLabel(labels: Record<string, string>, name: string, value: string): void {
    // "__proto__" is a legal label name: an own property, never the prototype setter.
    if (name === "__proto__") Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
    else labels[name] = value;
  }
}
