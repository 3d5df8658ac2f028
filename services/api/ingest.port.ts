import type { CityEvent } from "../../protocol/event.schema.ts";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { WriteReport } from "../store/store.ts";

/**
 * What the ingest routes need from the ingest service: write a decoded, checked batch and
 * resolve only after commit. Throws `OverloadedError` (429) or `StoreUnavailableError` (503).
 */
export interface IngestPort {
  /** Decodes a remote-write body (sharing label objects across batches); throws RemoteWriteDecodeError. */
  decodeRemoteWrite(body: Uint8Array, maxDecodedBytes: number): TimeSeries[];
  samples(series: readonly TimeSeries[], agent: string): Promise<WriteReport>;
  events(events: readonly CityEvent[], agent: string): Promise<WriteReport>;
}
