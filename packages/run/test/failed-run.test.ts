import { describe, expect, it } from 'vitest';
import type { Criterion } from '@isoproof/core';
import { failedRunOutcomes } from '../src/families';

const crit = (id: string): Criterion => ({
  id,
  title: `title of ${id}`,
  seed: '001 US-INFRA-04',
  probe: 'rbac',
  vantage: 'sa tenant-a/app',
  expectation: 'forbidden',
  spec: {},
});

describe('failedRunOutcomes (a scenario run that failed as a whole)', () => {
  it('is INCONCLUSIVE, naming the failure', () => {
    const [o] = failedRunOutcomes([crit('R-01')], 'apply of s did not finish within 120s', []);
    expect(o?.verdict).toBe('INCONCLUSIVE');
    expect(o?.reason).toBe('scenario run failed: apply of s did not finish within 120s');
  });

  it('still honours an expired waiver: FAIL, as for a failed probe family', () => {
    const waivers = [{ criterion: 'R-01', selector: '*', reason: 'known gap', owner: 'sec', expires: '2020-01-01' }];
    const outcomes = failedRunOutcomes([crit('R-01'), crit('R-02')], 'boom', waivers);
    expect(outcomes.map((o) => [o.criterion.id, o.verdict])).toEqual([
      ['R-01', 'FAIL'],
      ['R-02', 'INCONCLUSIVE'],
    ]);
    expect(outcomes[0]?.reason).toMatch(/expired/);
  });
});
