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
  /** The next first text of a series with the same identityHash. */
  nextIdentity: CachedSeries | undefined;

  constructor(
    /** The series text as the target wrote it. */
    readonly text: string,
    readonly name: string,
    readonly labels: Record<string, string>,
    readonly le: string | undefined,
    readonly quantile: string | undefined,
    /** Survives metric relabelling. */
    readonly keep: boolean,
    /** As label_limit counts: every label plus `__name__`. */
    readonly labelCount: number,
  ) {}
}

/**
 * A 30-bit FNV-1a hash of seriesKey(name, labels), computed without building the key string
 * (100k keys were a quarter of the cache's memory); a small integer, so map keys never box.
 */
function identityHash(name: string, labels: Readonly<Record<string, string>>): number {
  let h = 0x811c9dc5 | 0;
  const mix = (s: string, end: number): void => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ end, 0x01000193);
  };
  mix(name, 0xff);
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  for (const k of keys) {
    mix(k, 0xfe);
    mix(labels[k] as string, 0xff);
  }
  return h & 0x3fffffff;
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

type Link = (e: CachedSeries) => CachedSeries | undefined;

/** The entries of a chain that `keep` accepts, relinked (in reverse order); the sweep's step. */
function keepChain(head: CachedSeries | undefined, keep: (e: CachedSeries) => boolean, next: Link, relink: (e: CachedSeries, next: CachedSeries | undefined) => void): CachedSeries | undefined {
  let kept: CachedSeries | undefined;
  for (let e = head; e !== undefined; ) {
    const after = next(e);
    if (keep(e)) {
      relink(e, kept);
      kept = e;
    }
    e = after;
  }
  return kept;
}

function chainLength(head: CachedSeries | undefined, next: Link): number {
  let n = 0;
  for (let e = head; e !== undefined; e = next(e)) n++;
  return n;
}

/** The series cache of one target for one format, target label set and relabel filter. */
export class SeriesCache {
  /** Texts by textHash; texts with the same hash are chained through `next`. */
  private readonly byText = new Map<number, CachedSeries>();
  private texts = 0;
  /** Texts the last successful scrape read. */
  private settled = 0;
  /** First texts of series by identityHash; equal hashes are chained through `nextIdentity`. */
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
    // Metric relabelling sees the target labels, as in Prometheus (they are attached first).
    const entry = new CachedSeries(flatText(src.slice(start, end)), name, own, le, quantile, this.filter(name, own), Object.keys(own).length + 1);
    const identity = identityHash(name, own);
    const head = this.byIdentity.get(identity);
    let first: CachedSeries | undefined;
    if (head !== undefined) {
      const key = seriesKey(name, own);
      for (let e: CachedSeries | undefined = head; e !== undefined && first === undefined; e = e.nextIdentity) if (seriesKey(e.name, e.labels) === key) first = e;
    }
    if (first !== undefined) entry.series = first;
    else {
      entry.nextIdentity = head;
      this.byIdentity.set(identity, entry);
    }
    entry.next = this.byText.get(hash);
    this.byText.set(hash, entry);
    this.texts++;
    return entry;
  }

  /**
   * Drops the texts and series that scrape `generation` did not read. After a failed scrape it
   * keeps them (a passing failure must not make the next scrape parse every series again) until
   * the cache holds over twice what the last successful scrape read: a target that keeps failing
   * while its series change cannot grow it without bound.
   */
  sweep(generation: number, textsRead: number, succeeded: boolean): void {
    if (!succeeded && this.texts <= 2 * this.settled + 1024) return;
    if (succeeded) this.settled = textsRead;
    if (this.texts === textsRead) return;
    for (const [hash, head] of this.byText) {
      const before = chainLength(head, (e) => e.next);
      const kept = keepChain(head, (e) => e.readIn === generation, (e) => e.next, (e, next) => (e.next = next));
      this.texts -= before - chainLength(kept, (e) => e.next);
      if (kept === undefined) this.byText.delete(hash);
      else if (kept !== head) this.byText.set(hash, kept);
    }
    for (const [identity, head] of this.byIdentity) {
      const kept = keepChain(head, (e) => e.aliveIn === generation, (e) => e.nextIdentity, (e, next) => (e.nextIdentity = next));
      if (kept === undefined) this.byIdentity.delete(identity);
      else if (kept !== head) this.byIdentity.set(identity, kept);
    }
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
