/**
 * Renders a probe result as blackbox_exporter's `/probe` endpoint does: one gauge family per
 * sample name, in first-seen order.
 */
import { renderExposition, type ExpositionFamilyInput } from "../prometheus/exposition-writer.ts";
import type { ProbeSample } from "./probe.ts";

/** Groups probe samples into gauge families and renders them as text format 0.0.4. */
export function renderProbeSamples(samples: readonly ProbeSample[]): string {
  const families = new Map<string, ExpositionFamilyInput & { samples: ProbeSample[] }>();
  for (const s of samples) {
    let family = families.get(s.name);
    if (family === undefined) families.set(s.name, (family = { name: s.name, type: "gauge", samples: [] }));
    family.samples.push(s);
  }
  return renderExposition([...families.values()]);
}
