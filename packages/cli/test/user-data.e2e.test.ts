/**
 * On a real cluster (ISOPROOF_KUBECONFIG; hold the cluster lock): a user's namespace named like a
 * scenario namespace (tenant-a) holding a ConfigMap, and a user ClusterRoleBinding named like an
 * overlay's, survive a refused run, a run and an interrupted run of the same scenario with
 * --namespace-prefix, and a sweep unchanged (same uid, labels, data,
 * resourceVersion: not even written), also while a data-only scenario copied outside the repository
 * runs. Run: cd packages/cli && npx vitest run --config vitest.e2e.config.ts test/user-data.e2e.test.ts
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeHandle } from '@isoproof/kube';
import { checkReachable, loadKube, rawRequest } from '@isoproof/kube';
import type { ChildProcess } from 'node:child_process';
import { runCli } from './run-cli';

const kubeconfig = process.env.ISOPROOF_KUBECONFIG;
const suite = kubeconfig ? describe : describe.skip;
if (!kubeconfig) console.warn('user-data e2e skipped: set ISOPROOF_KUBECONFIG to a cluster kubeconfig');

/** A config file with the cluster's facts (externalTarget, ...): .ci/existing-cluster.sh writes one from the provider's. */
const CONFIG = process.env.ISOPROOF_CONFIG ? ['--config', process.env.ISOPROOF_CONFIG] : [];
const EXAMPLE = fileURLToPath(new URL('../../../docs/examples/team-isolation', import.meta.url));
const NS_PATH = '/api/v1/namespaces/tenant-a';
const CM_PATH = '/api/v1/namespaces/tenant-a/configmaps/user-data';
const CRB_PATH = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/isoproof-rbac-tenant-a-edit';
const PREFIXED_NS_PATH = '/api/v1/namespaces/iso-e2e-tenant-a';

interface Snapshot {
  uid: string;
  resourceVersion: string;
  labels: Record<string, string>;
  data?: unknown;
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI as a child process; `onStart` gets the process (to signal it). */
const cli = (args: string[], onStart?: (p: ChildProcess) => void, timeoutMs = 600_000): Promise<CliRun> => runCli(args, { ...(onStart ? { onStart } : {}), timeoutMs });

suite('user data on a real cluster survives isoproof', () => {
  let kube: KubeHandle;
  const created: string[] = [];
  const before = new Map<string, Snapshot>();

  const snapshot = async (path: string): Promise<Snapshot | undefined> => {
    const r = await rawRequest(kube, { method: 'GET', path });
    if (r.status === 404) return undefined;
    expect(r.status, `GET ${path}: ${r.text.slice(0, 200)}`).toBe(200);
    const o = r.body as { metadata: { uid: string; resourceVersion: string; labels?: Record<string, string> }; data?: unknown; subjects?: unknown };
    return { uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, labels: o.metadata.labels ?? {}, data: o.data ?? o.subjects };
  };
  const unchanged = async (when: string) => {
    for (const [path, want] of before) expect(await snapshot(path), `${path} after ${when}`).toEqual(want);
  };
  const create = async (collection: string, body: unknown, path: string) => {
    const r = await rawRequest(kube, { method: 'POST', path: collection, body });
    expect(r.status, `create ${path}: ${r.text.slice(0, 300)}`).toBe(201);
    created.unshift(path);
    before.set(path, (await snapshot(path))!);
  };

  beforeAll(async () => {
    kube = loadKube(kubeconfig!, process.env.ISOPROOF_CONTEXT || undefined);
    await checkReachable(kube, 15_000);
    for (const p of [NS_PATH, CRB_PATH]) {
      if (await snapshot(p)) throw new Error(`${p} exists already on this cluster: this test creates it itself and will not touch someone else's; remove it or use another cluster`);
    }
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a', labels: { team: 'a', owner: 'user-e2e' } } }, NS_PATH);
    await create(
      '/api/v1/namespaces/tenant-a/configmaps',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'user-data', namespace: 'tenant-a', labels: { app: 'mine' } }, data: { 'settings.ini': 'colour=blue\n' } },
      CM_PATH,
    );
    await create(
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'isoproof-rbac-tenant-a-edit', labels: { owner: 'user-e2e' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'isoproof-e2e-no-such-role' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'isoproof-e2e-nobody' }],
      },
      CRB_PATH,
    );
  });

  afterAll(async () => {
    // Only what this test created, each by its uid.
    for (const path of created) {
      const uid = before.get(path)?.uid;
      if (!uid) continue;
      await rawRequest(kube, { method: 'DELETE', path, body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid } } }).catch(() => undefined);
    }
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && (await snapshot(NS_PATH))) await new Promise((r) => setTimeout(r, 1000));
  });

  it('a run of the scenario owning that namespace name is refused: exit 2, one line naming it, nothing written', async () => {
    const r = await cli(['run', '--scenario', 'tenant-isolation', '--kubeconfig', kubeconfig!, '--artifacts', `${process.env.ISOPROOF_ARTIFACTS ?? '/tmp'}/user-data-e2e`]);
    expect(r.code, r.stderr).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('isoproof: '));
    expect(errors, r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/refusing to apply: .*not created by isoproof.*Namespace tenant-a/);
    await unchanged('a refused run');
  });

  it('a cluster-scoped object of an overlay is refused the same way', async () => {
    const r = await cli(['run', '--scenario', 'rbac-least-privilege', '--overlay', 'tenant-edit-clusterwide', '--kubeconfig', kubeconfig!, '--artifacts', '/tmp/isoproof-user-data-e2e']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/refusing to apply: .*ClusterRoleBinding isoproof-rbac-tenant-a-edit/);
    await unchanged('a refused overlay run');
  });

  it('with --namespace-prefix the same scenario runs beside them, all PASS', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'isoproof-user-data-prefix-'));
    const r = await cli(['run', '--scenario', 'tenant-isolation', '--namespace-prefix', 'iso-e2e-', '--kubeconfig', kubeconfig!, ...CONFIG, '--artifacts', artifacts]);
    const report = JSON.parse(readFileSync(join(artifacts, 'report.json'), 'utf8')) as { summary: { total: number; pass: number; fail: number } };
    if (CONFIG.length) {
      expect(r.code, r.stderr.slice(-1500)).toBe(0);
      expect(report.summary.pass).toBe(report.summary.total);
    } else {
      // Without the cluster's facts the egress criterion is INCONCLUSIVE (exit 2); nothing may FAIL.
      expect([0, 2], r.stderr.slice(-1500)).toContain(r.code);
      expect(report.summary.fail).toBe(0);
    }
    await unchanged('a prefixed run');
  });

  it('an interrupted run (SIGINT while applying) cleans up only its own objects', async () => {
    let seen = false;
    const r = await cli(['run', '--scenario', 'tenant-isolation', '--namespace-prefix', 'iso-e2e-', '--kubeconfig', kubeconfig!, ...CONFIG, '--artifacts', '/tmp/isoproof-user-data-e2e'], (p) => {
      // Interrupt as soon as the run's first namespace exists: mid-apply or mid-readiness.
      const poll = async () => {
        for (let i = 0; i < 600 && p.exitCode === null; i++) {
          if (await snapshot(PREFIXED_NS_PATH).catch(() => undefined)) {
            seen = true;
            p.kill('SIGINT');
            return;
          }
          await new Promise((res) => setTimeout(res, 250));
        }
      };
      void poll();
    });
    expect(seen, `the run never created iso-e2e-tenant-a: ${r.stderr.slice(-800)}`).toBe(true);
    expect(r.code, r.stderr.slice(-800)).toBe(130);
    await unchanged('an interrupted run');
    // The run's own namespace went with the cleanup (or is terminating).
    const left = await rawRequest(kube, { method: 'GET', path: PREFIXED_NS_PATH });
    if (left.status === 200) expect((left.body as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp).toBeTruthy();
  });

  it('a data-only scenario copied outside the repository runs with the right verdicts (baseline and overlay proof)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'isoproof-user-scenarios-'));
    cpSync(EXAMPLE, join(root, 'team-isolation'), { recursive: true });
    const artifacts = mkdtempSync(join(tmpdir(), 'isoproof-user-scenarios-report-'));
    const r = await cli(['run', '--provider', 'existing', '--kubeconfig', kubeconfig!, ...CONFIG, '--scenario-dir', root, '--scenario', 'team-isolation', '--with-overlays', '--artifacts', artifacts]);
    expect(r.code, r.stderr.slice(-1500)).toBe(0);
    const report = JSON.parse(readFileSync(join(artifacts, 'report.json'), 'utf8')) as {
      scenarios: Array<{ scenario: string; overlay?: string; outcomes: Array<{ criterion: { id: string }; verdict: string }> }>;
    };
    const verdicts = Object.fromEntries(report.scenarios.map((s) => [s.overlay ?? 'baseline', Object.fromEntries(s.outcomes.map((o) => [o.criterion.id, o.verdict]))]));
    expect(verdicts).toEqual({
      baseline: { 'TEAM-ISO-01': 'PASS', 'TEAM-ISO-02': 'PASS', 'TEAM-ISO-03': 'PASS' },
      'red-open-to-all': { 'TEAM-ISO-01': 'PASS', 'TEAM-ISO-02': 'FAIL', 'TEAM-ISO-03': 'PASS' },
    });
    await unchanged('a data scenario run');
  });

  it('a sweep of every isoproof run leaves them alone', async () => {
    const r = await cli(['sweep', '--kubeconfig', kubeconfig!]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/removed \d+ object\(s\) labelled isoproof\.dev\/run/);
    await unchanged('a sweep');
  });
});
