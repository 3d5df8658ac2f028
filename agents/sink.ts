import type { CityEvent } from "../protocol/event.schema.ts";
import type { Sample } from "../protocol/remote-write.codec.ts";

/**
 * Where collectors put what they observe. The shipper (remote-write + events to the control
 * plane, with a disk spool) is the production sink; tests and the on-demand HTTP endpoints use
 * in-memory ones. Must not throw and must not block: a sink buffers or drops and counts.
 */
export interface Sink {
  samples(batch: readonly Sample[]): void;
  events(batch: readonly CityEvent[]): void;
}

/** A sink that keeps everything in memory (tests, on-demand requests). */
export class MemorySink implements Sink {
  readonly sampleLog: Sample[] = [];
  readonly eventLog: CityEvent[] = [];
  samples(batch: readonly Sample[]): void {
    this.sampleLog.push(...batch);
  }
  events(batch: readonly CityEvent[]): void {
    this.eventLog.push(...batch);
  }
}
