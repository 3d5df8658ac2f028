/**
 * Prometheus staleness markers: a special NaN (bits 0x7ff0000000000002, `value.StaleNaN` in
 * prometheus/model/value) written once for a series that vanished from a target, so queries
 * stop returning it at once instead of after the 5-minute lookback.
 * https://prometheus.io/docs/prometheus/latest/querying/basics/#staleness
 */

const view = new DataView(new ArrayBuffer(8));
view.setBigUint64(0, 0x7ff0000000000002n);

/**
 * The staleness NaN. Caution: V8 quietens NaN payloads when a number is stored in a packed
 * double array (it becomes 0x7ff8000000000002), so serialisers should re-create the bits from
 * `isStaleNaN` or the sample's `stale` flag rather than trust that the payload survived.
 */
export const STALE_NAN: number = view.getFloat64(0);

/** True when `v` carries the staleness payload (quietened or not). */
export function isStaleNaN(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  view.setFloat64(0, v);
  // Accept the quiet-bit form too (see STALE_NAN): the payload 2 is what identifies it.
  return (view.getBigUint64(0) & ~0x0008000000000000n) === 0x7ff0000000000002n;
}

/** A stable identity for one series: name plus labels sorted by name. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  let key = name;
  // \xff never occurs in a valid label name, and \xfe separates name from value (Prometheus uses 0xff too).
  for (const k of keys) key += `\xff${k}\xfe${labels[k]}`;
  return key;
}
