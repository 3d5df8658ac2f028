import type { CityEvent } from "../../protocol/event.schema.ts";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { IngestService } from "../ingest/ingest.service.ts";
import type { ControlPlaneMetrics } from "../metrics/control-plane.metrics.ts";
import type { WriteReport } from "../store/store.ts";
import type { IngestPort } from "./ingest.port.ts";

/** The ingest port over the ingest service (validation, backpressure, idempotent writes), timed into the DB histogram. */
export function ingestPort(service: IngestService, metrics: ControlPlaneMetrics): IngestPort {
  return {
    decodeRemoteWrite: (body, maxDecodedBytes) => service.decodeRemoteWrite(body, maxDecodedBytes),
    samples: (series: readonly TimeSeries[]): Promise<WriteReport> => metrics.timeDb("writeSamples", () => service.ingestSamples(series)),
    events: (events: readonly CityEvent[]): Promise<WriteReport> => metrics.timeDb("writeEvents", () => service.ingestEvents(events)),
  };
}
