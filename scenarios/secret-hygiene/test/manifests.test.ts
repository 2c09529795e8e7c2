import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeOverlay, listOverlays, readManifests } from '@isoproof/kube';
import type { KubeObject } from '@isoproof/kube';
import type { K8sObject, SecretSource } from '@isoproof/probe-secrets';
import { createRedactor, loadCriteria } from '@isoproof/core';
import { isHelmRelease, scanAnnotations, scanConfigMap, scanEnvLiterals, scanHelmRelease, validateSecretsSpec } from '@isoproof/probe-secrets';
import { CANARY_PATTERN, plantedCanaries } from './canaries';
import { scenarioOf } from '@isoproof/run/testing';

const scenario = scenarioOf(import.meta.url);

/*
 * Offline proof of the seeded violations: the pure scanners of probe-secrets run on the composed
 * manifests. The baseline is clean; each overlay that plants a value in a scanned source is found in
 * exactly that source. (Logs, TokenReview, RBAC attempts and automount need the cluster: e2e.)
 */
const redactor = createRedactor();

function scanAll(objects: K8sObject[]): Record<SecretSource, string[]> {
  const out: Record<SecretSource, string[]> = { configmap: [], env: [], annotation: [], log: [], helm: [] };
  for (const o of objects) {
    const opts = { redactor };
    if (o.kind === 'ConfigMap' && !isHelmRelease(o)) out.configmap.push(...scanConfigMap(o, opts).map((f) => f.finding.location));
    out.env.push(...scanEnvLiterals(o, opts).map((f) => f.finding.location));
    out.annotation.push(...scanAnnotations(o, opts).map((f) => f.finding.location));
    if (isHelmRelease(o)) out.helm.push(...scanHelmRelease(o, opts).map((f) => f.finding.location));
  }
  return out;
}

const baseline = (): Promise<KubeObject[]> => readManifests(join(scenario.dir, 'manifests'));

describe('secret-hygiene manifests', () => {
  it('criteria are valid and every spec passes the family validation', async () => {
    const criteria = await loadCriteria(join(scenario.dir, 'criteria.yaml'));
    expect(criteria.map((c) => c.id)).toEqual([
      'SEC-CONFIGMAP-01',
      'SEC-ENV-01',
      'SEC-ANNOTATION-01',
      'SEC-LOGS-01',
      'SEC-TOKEN-01',
      'SEC-READERS-01',
      'SEC-AUTOMOUNT-01',
      'SEC-HELM-01',
    ]);
    for (const c of criteria) expect(validateSecretsSpec(c), c.id).toEqual([]);
  });

  it('the baseline has no finding in any source', async () => {
    const found = scanAll((await baseline()) as K8sObject[]);
    expect(found).toEqual({ configmap: [], env: [], annotation: [], log: [], helm: [] });
  });

  it('the baseline carries no canary', async () => {
    const text = JSON.stringify(await baseline());
    expect(text.match(CANARY_PATTERN)).toBeNull();
  });

  const expected: Record<string, Partial<Record<SecretSource, string[]>>> = {
    'configmap-password': { configmap: ['configmap/secret-hygiene/orders-config:data.DB_PASSWORD'] },
    'env-api-key': { env: ['deployment/secret-hygiene/payments:spec.template.spec.containers[0].env[2].value'] },
    'stringdata-annotation': {
      annotation: ['secret/secret-hygiene/payment-gateway-credentials:metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"].stringData.PAYMENT_GATEWAY_KEY'],
    },
    'helm-values-leak': { helm: ['secret/secret-hygiene/sh.helm.release.v1.shop-config.v1:release.config.db.password'] },
    'token-in-logs': {},
    'secrets-list-role': {},
    'automount-token': {},
  };

  it('every overlay is listed here and names existing criteria', async () => {
    const overlays = await listOverlays(scenario.dir);
    expect(overlays.map((o) => o.name).sort()).toEqual(Object.keys(expected).sort());
    const ids = (await loadCriteria(join(scenario.dir, 'criteria.yaml'))).map((c) => c.id);
    for (const o of overlays) for (const f of o.flips) expect(ids, `${o.name} flips ${f}`).toContain(f);
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`overlay ${name}: findings exactly in ${Object.keys(want).join(', ') || 'no offline-scanned source'}`, async () => {
      const { objects } = await composeOverlay(await baseline(), join(scenario.dir, 'overlays', name));
      const found = scanAll(objects as K8sObject[]);
      expect(found).toEqual({ configmap: [], env: [], annotation: [], log: [], helm: [], ...want });
    });
  }

  it('plantedCanaries finds every canary, including the one inside the gzipped Helm release', async () => {
    const canaries = await plantedCanaries();
    expect(canaries).toHaveLength(4);
    expect(canaries.some((c) => c.startsWith('isoproof-canary-helm-values-'))).toBe(true);
  });

  it('the token-in-logs overlay prints the projected token from an init container', async () => {
    const { objects } = await composeOverlay(await baseline(), join(scenario.dir, 'overlays', 'token-in-logs'));
    const shipper = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'log-shipper') as unknown as {
      spec: { template: { spec: { initContainers: Array<{ args: string[] }> } } };
    };
    expect(shipper.spec.template.spec.initContainers[0]?.args).toEqual(['mounttest', '--file_content=/var/run/secrets/kubernetes.io/serviceaccount/token']);
  });
});
