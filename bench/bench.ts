/** What every benchmark module exports: `export async function run(opts): Promise<BenchResult>`. */
export interface BenchOptions {
  /** A short version for a quick look (and for CI smoke runs); figures are noisier. */
  quick: boolean;
}

export interface BenchResult {
  name: string;
  /** Machine-readable figures; ratios against an anchor measured in the same run end in `_ratio`. */
  metrics: Record<string, number>;
  /** Set when a peer is missing: the benchmark says so and is skipped, never faked. */
  skipped?: string;
  notes?: string;
}

export type BenchModule = { run(opts: BenchOptions): Promise<BenchResult> };
