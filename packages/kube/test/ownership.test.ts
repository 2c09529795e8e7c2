import { afterEach, describe, expect, it } from 'vitest';
import { RUN_LABEL } from '@isoproof/core';
import { ForeignObjectsError, applyObjects, assertNoForeignObjects, deleteObjects, loadKube, pruneObjects, sweep } from '../src/index';
import { classifyExisting, createdByIsoproof, foreignObjectsMessage } from '../src/ownership';
import type { KubeObject } from '../src/index';
import { type FakeApi, startFakeApi } from './fixtures/fake-api';

const SCENARIO = 'isoproof.dev/scenario';
const plan: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'tenant-a' }, data: { a: '1' } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'tenant-reader' }, rules: [] },
];

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** The user's own namespace tenant-a with a ConfigMap, nothing of isoproof on them. */
function userData(a: FakeApi) {
  const ns = a.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a', labels: { team: 'a' } } });
  const cm = a.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'user-data', namespace: 'tenant-a' }, data: { k: 'v' } });
  return { ns, cm };
}

describe('ownership rules', () => {
  it('counts only a non-empty run label as created by isoproof', () => {
    expect(createdByIsoproof({ [RUN_LABEL]: 'rabcdefghij' })).toBe(true);
    expect(createdByIsoproof({ [RUN_LABEL]: '' })).toBe(false);
    expect(createdByIsoproof({ [SCENARIO]: 'tenant-isolation' })).toBe(false);
    expect(createdByIsoproof(undefined)).toBe(false);
  });

  it('names the foreign objects on one line, the first eight and a count', () => {
    const refs = Array.from({ length: 10 }, (_, i) => ({ kind: 'ConfigMap', name: `c${i}`, namespace: 'tenant-a' }));
    const msg = foreignObjectsMessage(refs, 'https://k (context "x")');
    expect(msg).not.toContain('\n');
    expect(msg).toContain('10 object(s)');
    expect(msg).toContain('ConfigMap tenant-a/c7');
    expect(msg).not.toContain('tenant-a/c8,');
    expect(msg).toContain('(+2 more)');
  });
});

describe('against an API server (real HTTP, 127.0.0.1)', () => {
  it('finds what exists without the run label, cluster-scoped objects included, and what an earlier run left', async () => {
    api = await startFakeApi();
    userData(api);
    api.put({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'tenant-reader' } });
    const kube = loadKube(api.kubeconfigPath);
    const r = await classifyExisting(kube, plan);
    expect(r.foreign.map((x) => `${x.kind} ${x.name}`)).toEqual(['Namespace tenant-a', 'ClusterRole tenant-reader']);
    expect(r.ours).toEqual([]);

    api.put({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'tenant-reader', labels: { [RUN_LABEL]: 'rold0000000' } } });
    const r2 = await classifyExisting(kube, plan);
    expect(r2.ours.map((x) => x.name)).toEqual(['tenant-reader']);
    await expect(assertNoForeignObjects(kube, plan)).rejects.toThrow(ForeignObjectsError);
    await expect(assertNoForeignObjects(kube, plan)).rejects.toThrow(/Namespace tenant-a/);
  });

  it('passes a plan none of whose objects exist', async () => {
    api = await startFakeApi();
    const kube = loadKube(api.kubeconfigPath);
    expect(await assertNoForeignObjects(kube, plan)).toEqual([]);
  });

  it('applyObjects never adopts: the user namespace keeps its labels, nothing after it is applied', async () => {
    api = await startFakeApi();
    const { ns } = userData(api);
    const kube = loadKube(api.kubeconfigPath);
    const err = await applyObjects(kube, plan, { runId: 'rabcdefghij', scenario: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForeignObjectsError);
    expect(api.objects.get('namespaces//tenant-a')).toEqual(ns);
    expect(api.requests.filter((x) => x.startsWith('PATCH'))).toEqual([]);
  });

  it('prune and sweep delete only labelled objects; the user namespace and its ConfigMap stay', async () => {
    api = await startFakeApi();
    const { ns, cm } = userData(api);
    // The user even copied isoproof's scenario label onto a ConfigMap: without a run label it is not ours.
    const copied = api.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'copied', namespace: 'tenant-a', labels: { [SCENARIO]: 't' } } });
    const kube = loadKube(api.kubeconfigPath);
    const ours: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'iso-a' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'iso-a' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'iso-reader' } },
    ];
    await applyObjects(kube, ours, { runId: 'rabcdefghij', scenario: 't' });
    expect(api.objects.size).toBe(6);
    const pruned = await pruneObjects(kube, 't', []);
    expect(pruned.map((x) => x.name).sort()).toEqual(['iso-a', 'iso-reader', 'x']);
    expect(api.objects.get('namespaces//tenant-a')).toEqual(ns);
    expect(api.objects.get('configmaps/tenant-a/user-data')).toEqual(cm);
    expect(api.objects.get('configmaps/tenant-a/copied')).toEqual(copied);

    await applyObjects(kube, ours, { runId: 'rabcdefghij', scenario: 't' });
    expect(await sweep(kube)).toBe(3);
    expect([...api.objects.keys()].sort()).toEqual(['configmaps/tenant-a/copied', 'configmaps/tenant-a/user-data', 'namespaces//tenant-a']);
  });

  it('a delete by uid leaves an object recreated under the same name alone', async () => {
    api = await startFakeApi();
    const kube = loadKube(api.kubeconfigPath);
    const old = api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'iso-a', labels: { [RUN_LABEL]: 'rabcdefghij' } } });
    api.objects.delete('namespaces//iso-a');
    const mine = api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'iso-a' } });
    await deleteObjects(kube, [{ apiVersion: 'v1', kind: 'Namespace', name: 'iso-a', uid: old.metadata.uid }], { waitMs: 2_000 });
    expect(api.objects.get('namespaces//iso-a')).toEqual(mine);
  });
});

describe('deleteObjects ownedOnly', () => {
  it('deletes a named object only when it carries the run label', async () => {
    api = await startFakeApi();
    const kube = loadKube(api.kubeconfigPath);
    const user = api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'user-ns' } });
    api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'iso-ns', labels: { [RUN_LABEL]: 'rabcdefghij' } } });
    const refs = [
      { kind: 'Namespace', name: 'user-ns' },
      { kind: 'Namespace', name: 'iso-ns' },
      { kind: 'Namespace', name: 'absent' },
    ];
    await deleteObjects(kube, refs, { ownedOnly: true, waitMs: 2_000 });
    expect([...api.objects.values()]).toEqual([user]);
  });
});
