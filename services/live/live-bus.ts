/** Topics a console can subscribe to (rooms on `/console`). */
export const LIVE_TOPICS = ["events", "security", "states", "alerts", "ingest"] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

export type LiveListener = (topic: LiveTopic, payload: unknown) => void;

/**
 * In-process publish/subscribe between the services that notice things (ingest, state
 * tracking, alert rules) and the `/console` namespace that pushes them. Listeners must not
 * throw or block: the publisher is the ingest path.
 */
export class LiveBus {
  private readonly listeners = new Set<LiveListener>();

  subscribe(fn: LiveListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(topic: LiveTopic, payload: unknown): void {
    for (const fn of this.listeners) fn(topic, payload);
  }
}
