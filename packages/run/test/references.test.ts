import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Criterion } from '@isoproof/core';
import type { KubeObject } from '@isoproof/kube';
import { criteriaReferences, danglingReferences } from '../src/references';
import { validateScenarioDir } from '../src/index';

const crit = (id: string, probe: Criterion['probe'], spec: Record<string, unknown>): Criterion => ({ id, title: 't', seed: 's', probe, vantage: 'v', expectation: 'e', spec });
const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'orders', namespace: 'shop' } },
];

describe('criteria references', () => {
  it('names the namespaces and ServiceAccounts no manifest creates', () => {
    const refs = criteriaReferences([
      crit('RBAC-01', 'rbac', {
        identity: { kind: 'ServiceAccount', namespace: 'shop', name: 'orders' },
        attempts: [{ verb: 'get', resource: 'secrets', namespace: 'shop' }, { verb: 'get', resource: 'secrets', namespace: 'gone' }],
        control: { verb: 'list', resource: 'pods', namespace: 'kube-system' },
      }),
      crit('RBAC-02', 'rbac', { identity: { kind: 'ServiceAccount', namespace: 'shop', name: 'ghost' }, attempts: [] }),
      crit('RBAC-03', 'rbac', { identity: { kind: 'ServiceAccount', namespace: 'shop', name: 'default' }, attempts: [] }),
      crit('WL-01', 'workload', { namespace: 'shop', property: 'non-root' }),
      crit('SEC-01', 'secrets', { check: 'secret-readers', namespace: 'shop', readers: { db: ['orders', 'billing'] } }),
      crit('ADM-01', 'admission', { check: 'namespace-label', namespaces: ['shop', 'other'] }),
    ]);
    expect(danglingReferences(refs, objects).map((r) => `${r.where}: ${r.kind} ${r.namespace}/${r.name}`)).toEqual([
      'RBAC-01.spec.attempts[1].namespace: Namespace gone/gone',
      'RBAC-02.spec.identity: ServiceAccount shop/ghost',
      'SEC-01.spec.readers: ServiceAccount shop/billing',
      'ADM-01.spec.namespaces[1]: Namespace other/other',
    ]);
  });

  it('validate reports an rbac identity no manifest creates', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'isoproof-refs-')), 'rbac-least-privilege');
    cpSync(fileURLToPath(new URL('../../../scenarios/rbac-least-privilege', import.meta.url)), dir, { recursive: true });
    const file = join(dir, 'criteria.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: orders-service-sa }', 'name: orders-svc-sa }'));
    const r = await validateScenarioDir(dir);
    expect(r.problems).toEqual([`${file}: RBAC-ORDERS-01.spec.identity: ServiceAccount rbac-shop/orders-svc-sa is not created by any manifest`]);
  });
});
