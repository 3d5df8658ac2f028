import type { CityEvent } from "../../protocol/event.schema.ts";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { ControlPlaneMetrics } from "../metrics/control-plane.metrics.ts";
import type { Store, WriteReport } from "../store/store.ts";
import type { IngestPort } from "./ingest.port.ts";

/** The ingest port straight onto the store (idempotent writes, resolved after commit), timed. */
export function storeIngest(store: Store, metrics: ControlPlaneMetrics): IngestPort {
  return {
    samples: (series: readonly TimeSeries[]): Promise<WriteReport> => metrics.timeDb("writeSamples", () => store.writeSamples(series)),
    events: (events: readonly CityEvent[]): Promise<WriteReport> => metrics.timeDb("writeEvents", () => store.writeEvents(events)),
  };
}
