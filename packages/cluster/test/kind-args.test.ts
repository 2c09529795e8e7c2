import { describe, expect, it } from 'vitest';
import { decideProvider } from '../src/select';
import { defaultKubeconfigDir, kindCreateArgs, kindDeleteArgs, kindEnv, kindExportKubeconfigArgs, kindExportLogsArgs, kindLoadArchiveArgs, parseClusterList, renderKindConfig, validateClusterName } from '../src/kind/args';

describe('kind command construction', () => {
  it.each([
    [
      { name: 'isoproof-a', kubeconfigPath: '/c/isoproof-a.kubeconfig' },
      ['create', 'cluster', '--name', 'isoproof-a', '--kubeconfig', '/c/isoproof-a.kubeconfig', '--wait', '120s'],
    ],
    [
      { name: 'isoproof-b', kubeconfigPath: '/c/b', configPath: '/r/kind.json', nodeImage: 'kindest/node:v1.34.0', wait: '300s' },
      ['create', 'cluster', '--name', 'isoproof-b', '--kubeconfig', '/c/b', '--wait', '300s', '--config', '/r/kind.json', '--image', 'kindest/node:v1.34.0'],
    ],
  ])('create %j', (spec, want) => {
    expect(kindCreateArgs(spec)).toEqual(want);
  });

  it('delete / export kubeconfig carry our kubeconfig; load and logs name the cluster', () => {
    expect(kindDeleteArgs('isoproof-a', '/c/a')).toEqual(['delete', 'cluster', '--name', 'isoproof-a', '--kubeconfig', '/c/a']);
    expect(kindExportKubeconfigArgs('isoproof-a', '/c/a')).toEqual(['export', 'kubeconfig', '--name', 'isoproof-a', '--kubeconfig', '/c/a']);
    expect(kindLoadArchiveArgs('isoproof-a', '/i/agnhost.tar')).toEqual(['load', 'image-archive', '/i/agnhost.tar', '--name', 'isoproof-a']);
    expect(kindExportLogsArgs('isoproof-a', '/art/logs')).toEqual(['export', 'logs', '/art/logs', '--name', 'isoproof-a']);
  });

  it('every kubeconfig-touching command points at our file, never ~/.kube/config', () => {
    const ours = '/home/u/.cache/isoproof/kind/isoproof-a.kubeconfig';
    for (const args of [kindCreateArgs({ name: 'isoproof-a', kubeconfigPath: ours }), kindDeleteArgs('isoproof-a', ours), kindExportKubeconfigArgs('isoproof-a', ours)]) {
      expect(args[args.indexOf('--kubeconfig') + 1]).toBe(ours);
      expect(args.join(' ')).not.toContain('.kube/config');
    }
  });

  it('kindEnv overrides a KUBECONFIG inherited from the user', () => {
    const env = kindEnv({ PATH: '/bin', KUBECONFIG: '/home/u/.kube/config' }, '/c/a');
    expect(env).toEqual({ PATH: '/bin', KUBECONFIG: '/c/a' });
  });

  it('puts our kubeconfigs under the cache dir', () => {
    expect(defaultKubeconfigDir({}, '/home/u')).toBe('/home/u/.cache/isoproof/kind');
    expect(defaultKubeconfigDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe('/xdg/isoproof/kind');
    expect(defaultKubeconfigDir({ XDG_CACHE_HOME: 'relative' }, '/home/u')).toBe('/home/u/.cache/isoproof/kind');
  });

  it.each(['isoproof-a', 'x', 'isoproof-r0abc12345'])('accepts cluster name %s', (n) => {
    expect(validateClusterName(n)).toBe(n);
  });
  it.each(['Isoproof', '-a', 'a_b', 'a'.repeat(51), ''])('rejects cluster name %j', (n) => {
    expect(() => validateClusterName(n)).toThrow(expect.objectContaining({ code: 'ISOPROOF_PROVIDER_CONFIG' }));
  });

  it('parses `kind get clusters`', () => {
    expect(parseClusterList('isoproof-a\nkind\n\n')).toEqual(['isoproof-a', 'kind']);
    expect(parseClusterList('No kind clusters found.\n')).toEqual([]);
  });
});

describe('renderKindConfig', () => {
  const text = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    extraMounts:
      - hostPath: ./audit-policy.yaml
        containerPath: /etc/kubernetes/policies/audit-policy.yaml
      - hostPath: ./audit-logs
        containerPath: /var/log/kubernetes
      - hostPath: /abs/data
        containerPath: /data
`;
  it('resolves relative hostPaths against the config dir and points the audit mount at the cluster dir', () => {
    const out = JSON.parse(renderKindConfig(text, { configDir: '/repo/clusters/kind', auditDir: '/cache/isoproof-a/audit' }));
    expect(out.nodes[0].extraMounts.map((m: { hostPath: string }) => m.hostPath)).toEqual([
      '/repo/clusters/kind/audit-policy.yaml',
      '/cache/isoproof-a/audit',
      '/abs/data',
    ]);
  });
  it('rejects a config that is not a kind Cluster', () => {
    expect(() => renderKindConfig('kind: Pod\n', { configDir: '/', auditDir: '/' })).toThrow(/kind must be Cluster/);
  });
});

describe('decideProvider', () => {
  it.each([
    [{ flag: 'local', kubeconfig: '/k', dockerUsable: true, kindOnPath: true }, 'local'],
    [{ flag: 'kind', dockerUsable: false, kindOnPath: false }, 'kind'],
    [{ kubeconfig: '/k', dockerUsable: true, kindOnPath: true }, 'existing'],
    [{ dockerUsable: true, kindOnPath: true }, 'kind'],
    [{ dockerUsable: true, kindOnPath: false }, 'local'],
    [{ dockerUsable: false, kindOnPath: true }, 'local'],
    [{ dockerUsable: false, kindOnPath: false }, 'local'],
  ])('%j -> %s', (inputs, want) => {
    expect(decideProvider(inputs).name).toBe(want);
  });
  it('says why local was chosen', () => {
    expect(decideProvider({ dockerUsable: false, kindOnPath: false }).why).toBe('Docker does not answer and kind is not on PATH');
  });
  it('rejects an unknown --provider', () => {
    expect(() => decideProvider({ flag: 'minikube', dockerUsable: true, kindOnPath: true })).toThrow(/unknown provider "minikube" — use one of kind, existing, local/);
  });
});
