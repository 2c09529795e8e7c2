import { describe, expect, it } from 'vitest';
import { newRun } from '@isoproof/core';
import { checkReachable, loadKube } from '@isoproof/kube';
import { destroyScenario, runScenario } from '@isoproof/run';
import { scenarioE2E, scenarioOf } from '@isoproof/run/testing';

const scenario = scenarioOf(import.meta.url);

scenarioE2E(scenario);

// Issue 5 acceptance: SelfSubjectAccessReview and the real attempt disagree, the real attempt decides
// and the disagreement is reported. alice may create RoleBindings (SSAR: allowed) but binding the
// admin ClusterRole is refused by escalation prevention (real attempt: 403) -> RBAC-ESC-01 PASS, with
// the disagreement in the check's evidence and in the report section.
const kubeconfig = process.env.ISOPROOF_KUBECONFIG;

describe.skipIf(!kubeconfig)(`${scenario.name}: SelfSubjectAccessReview vs real attempt`, () => {
  it('the real attempt decides and the disagreement is reported', async () => {
    const kube = loadKube(kubeconfig!, process.env.ISOPROOF_CONTEXT || undefined);
    await checkReachable(kube, 15_000);
    // The scenario tests above end with destroyScenario, which waits until the namespaces are gone.
    try {
      const r = await runScenario(scenario, { kube, run: newRun(), provider: process.env.ISOPROOF_PROVIDER ?? 'existing' });
      const esc = r.outcomes.find((o) => o.criterion.id === 'RBAC-ESC-01')!;
      expect(esc.verdict, esc.reason).toBe('PASS');
      const check = esc.checks[0]!;
      expect(check.observation.outcome).toBe('denied');
      expect(check.observation.evidence.received).toMatch(/403 Forbidden: .*attempting to grant RBAC permissions not currently held/);
      expect(check.observation.evidence.notes?.join('\n')).toMatch(/DISAGREEMENT: SelfSubjectAccessReview said allowed; the real attempt was denied/);
      const table = r.sections.find((s) => s.title === 'RBAC: SelfSubjectAccessReview vs real attempt');
      expect(table?.type).toBe('table');
      if (table?.type === 'table') expect(table.rows.some((row) => row[0] === 'RBAC-ESC-01' && row[3]!.startsWith('allowed'))).toBe(true);
      // the access matrix is in the report, one grid per identity
      expect(r.sections.filter((s) => s.type === 'grid').length).toBeGreaterThanOrEqual(4);
    } finally {
      if (!process.env.ISOPROOF_E2E_KEEP) await destroyScenario(scenario, { kube });
    }
  }, 1_200_000);
});
