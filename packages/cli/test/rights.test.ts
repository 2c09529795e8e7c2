import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main';
import { startFakeAuthz } from '@isoproof/run/testing';
import type { FakeAuthzServer } from '@isoproof/run/testing';

describe('isoproof run with a kubeconfig lacking rights', () => {
  let api: FakeAuthzServer | undefined;
  afterAll(async () => api?.close());

  it('stops before applying anything: one line naming the user and the missing rights, exit 2', async () => {
    api = await startFakeAuthz('dev-x', ['impersonate users', 'delete namespaces']);
    const out: string[] = [];
    const err: string[] = [];
    const artifacts = mkdtempSync(join(tmpdir(), 'isoproof-cli-rights-'));
    const code = await main(['run', '--kubeconfig', api.kubeconfigPath, '--scenario', 'rbac-least-privilege', '--artifacts', artifacts], {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
    });
    expect(code).toBe(2);
    expect(err).toEqual([
      `isoproof: the kubeconfig's user "dev-x" cannot delete namespaces, impersonate users; use a cluster-admin kubeconfig or grant them`,
    ]);
    expect(api.reviews).toContain('create serviceaccounts/token');
    expect(api.reviews).toContain('patch rolebindings.rbac.authorization.k8s.io');
    // Nothing was applied, so nothing is removed: no request but reachability, who-am-I and the reviews.
    const kinds = new Set(api.requests.map((r) => r.replace(/\?.*$/, '')));
    expect([...kinds].sort()).toEqual([
      'GET /version',
      'POST /apis/authentication.k8s.io/v1/selfsubjectreviews',
      'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    ]);
  });
});
