import type { Criterion } from '../src/model';

/** A valid criterion (as data) for tests; fields overridable, even with invalid values. */
export function sampleCriterion(over: Record<string, unknown> = {}): Criterion {
  return {
    id: 'NET-TENANT-01',
    title: 'tenant A cannot reach tenant B',
    seed: '001 US-INFRA-04',
    probe: 'network',
    vantage: 'pod app=client in tenant-a',
    expectation: 'connect times out',
    spec: {},
    ...over,
  } as Criterion;
}
