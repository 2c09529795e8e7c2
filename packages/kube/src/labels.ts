import { RUN_LABEL } from '@isoproof/core';
import type { KubeObject } from './manifests';

export const SCENARIO_LABEL = 'isoproof.dev/scenario';

/** A deep copy of `o` carrying the run label and (if given) the scenario label. */
export function withRunLabels(o: KubeObject, runId: string, scenario?: string): KubeObject {
  const copy = structuredClone(o);
  const labels: Record<string, string> = { ...(copy.metadata.labels ?? {}), [RUN_LABEL]: runId };
  if (scenario) labels[SCENARIO_LABEL] = scenario;
  copy.metadata.labels = labels;
  return copy;
}
