import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { images } from '@isoproof/core';
import { applyOverlay, composeOverlay, listOverlays, parseManifests, readManifests } from '../src/index';
import { sortForApply } from '../src/order';
import { withRunLabels } from '../src/labels';
import type { KubeObject } from '../src/index';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'isoproof-kube-test-'));
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(root, p, '..'), { recursive: true });
    await writeFile(join(root, p), text);
  }
  return root;
}

const obj = (kind: string, name: string, namespace?: string, apiVersion = 'v1'): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe('sortForApply', () => {
  it.each([
    [['Deployment', 'Namespace', 'Service'], ['Namespace', 'Service', 'Deployment']],
    [['Ingress', 'NetworkPolicy', 'Pod', 'Secret', 'ConfigMap'], ['ConfigMap', 'Secret', 'Pod', 'NetworkPolicy', 'Ingress']],
    [['RoleBinding', 'Role', 'ClusterRoleBinding', 'ClusterRole', 'ServiceAccount'], ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']],
    [['Widget', 'CustomResourceDefinition', 'PriorityClass', 'Namespace'], ['Namespace', 'CustomResourceDefinition', 'PriorityClass', 'Widget']],
    [['Job', 'DaemonSet', 'StatefulSet', 'Deployment'], ['Job', 'DaemonSet', 'StatefulSet', 'Deployment']],
  ])('%j -> %j', (input, want) => {
    expect(sortForApply(input.map((k) => ({ kind: k }))).map((o) => o.kind)).toEqual(want);
  });

  it('is stable for unknown kinds and same-rank kinds', () => {
    const input = [obj('Pod', 'b'), obj('Foo', 'x'), obj('Pod', 'a'), obj('Bar', 'y')];
    expect(sortForApply(input).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Pod/b', 'Pod/a', 'Foo/x', 'Bar/y']);
  });
});

describe('parseManifests', () => {
  it('reads multi-document files, skipping empty documents, flattening Lists', () => {
    const text = `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c, namespace: a}\n`;
    expect(parseManifests(text, 'f.yaml').map((o) => o.kind)).toEqual(['Namespace', 'ConfigMap']);
  });

  it.each([
    ['apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n', /f\.yaml: document 1: invalid YAML/],
    ['kind: Pod\nmetadata: {name: x}\n', /f\.yaml: document 1: apiVersion: missing/],
    ['apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\napiVersion: v1\nmetadata: {name: x}\n', /f\.yaml: document 2: kind: missing/],
    ['apiVersion: v1\nkind: Pod\nmetadata: {generateName: x-}\n', /metadata\.name: missing/],
    ['apiVersion: v1\nkind: Pod\nmetadata: {name: x, labels: {tier: 3}}\n', /metadata\.labels\.tier: must be a string/],
    ['- a\n- b\n', /document 1: not a mapping/],
    ['apiVersion: v1\nkind: Pod\n', /metadata: missing/],
  ])('rejects %j', (text, re) => {
    expect(() => parseManifests(text, 'f.yaml')).toThrow(re);
    try {
      parseManifests(text, 'f.yaml');
    } catch (e) {
      expect((e as { code: string }).code).toBe('ISOPROOF_INVALID_MANIFEST');
      expect((e as Error).message).not.toContain('\n');
    }
  });
});

describe('image placeholders', () => {
  const pod = (image: string, extra = ''): string =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n    - name: c\n      image: ${image}\n${extra}`;

  it('fills ${ISOPROOF_PROBE_IMAGE} and ${ISOPROOF_PAUSE_IMAGE} from the one image source', () => {
    const text = `${pod('${ISOPROOF_PROBE_IMAGE}')}  initContainers:\n    - name: i\n      image: \${ISOPROOF_PAUSE_IMAGE}\n`;
    const spec = parseManifests(text, 'f.yaml')[0]!.spec as { containers: { image: string }[]; initContainers: { image: string }[] };
    expect(spec.containers[0]!.image).toBe(images.probe);
    expect(spec.initContainers[0]!.image).toBe(images.pause);
  });

  it('fills them in List items and leaves other ${...} text (a shell variable in args) as written', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n    - name: c\n      image: ${ISOPROOF_PROBE_IMAGE}\n      args: [sh, -c, "echo ${HOME}"]\n';
    expect(parseManifests(text, 'f.yaml')[0]!.spec).toEqual({ containers: [{ name: 'c', image: images.probe, args: ['sh', '-c', 'echo ${HOME}'] }] });
  });

  it.each([
    [pod('${ISOPROOF_PROBE}'), /^f\.yaml: document 1: spec\.containers\[0\]\.image: unknown placeholder \$\{ISOPROOF_PROBE\} — use one of \$\{ISOPROOF_PROBE_IMAGE\}, \$\{ISOPROOF_PAUSE_IMAGE\}$/],
    [pod('${PROBE_IMAGE}'), /spec\.containers\[0\]\.image: unknown placeholder \$\{PROBE_IMAGE\}/],
    [pod('${ISOPROOF_PROBE_IMAGE}', '  nodeSelector: {zone: "${ISOPROOF_ZONE}"}\n'), /spec\.nodeSelector\.zone: unknown placeholder \$\{ISOPROOF_ZONE\}/],
  ])('rejects an unknown placeholder in one line: %j', (text, re) => {
    expect(() => parseManifests(text, 'f.yaml')).toThrow(re);
    try {
      parseManifests(text, 'f.yaml');
    } catch (e) {
      expect((e as { code: string }).code).toBe('ISOPROOF_INVALID_MANIFEST');
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('fills overlay files too', async () => {
    const dir = await tree({
      'overlays/x/overlay.yaml': 'description: d\nflips: [A-1]\n',
      'overlays/x/p.yaml': pod('${ISOPROOF_PAUSE_IMAGE}'),
    });
    const { objects } = await composeOverlay(parseManifests(pod('${ISOPROOF_PROBE_IMAGE}'), 'f.yaml'), join(dir, 'overlays/x'));
    expect((objects[0]!.spec as { containers: { image: string }[] }).containers[0]!.image).toBe(images.pause);
  });
});

describe('readManifests', () => {
  it('reads *.yaml and *.yml sorted by name, ignoring other files', async () => {
    const dir = await tree({
      'b.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: n}\n',
      'a.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n',
      'README.md': '# not a manifest',
      'sub/c.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n',
    });
    expect((await readManifests(dir)).map((o) => o.metadata.name)).toEqual(['n', 'b']);
  });

  it('rejects the same object defined twice, naming both files', async () => {
    const dir = await tree({
      'a.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n',
      'b.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n',
    });
    await expect(readManifests(dir)).rejects.toThrow(/b\.yaml: Namespace n is already defined in .*a\.yaml/);
  });

  it('names the directory when it cannot be read', async () => {
    await expect(readManifests('/nonexistent/isoproof')).rejects.toMatchObject({ code: 'ISOPROOF_INVALID_MANIFEST' });
  });
});

describe('overlays', () => {
  const base = [
    obj('Namespace', 't'),
    obj('NetworkPolicy', 'deny', 't', 'networking.k8s.io/v1'),
    obj('Deployment', 'web', 't', 'apps/v1'),
  ];

  it('removes, replaces (same group/kind/ns/name, any version) and adds', () => {
    const patched: KubeObject = { ...obj('Deployment', 'web', 't', 'apps/v1'), spec: { replicas: 2 } };
    const added = obj('Service', 'extra', 't');
    const out = applyOverlay(base, [patched, added], {
      name: 'o',
      description: 'd',
      flips: ['NET-X-01'],
      remove: [{ kind: 'NetworkPolicy', name: 'deny', namespace: 't' }],
    });
    expect(out.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/t', 'Deployment/web', 'Service/extra']);
    expect(out[1]).toBe(patched);
    expect(base).toHaveLength(3); // base untouched
  });

  it('rejects a remove entry that matches nothing', () => {
    expect(() =>
      applyOverlay(base, [], { name: 'o', description: 'd', flips: ['X-01'], remove: [{ kind: 'NetworkPolicy', name: 'nope', namespace: 't' }] }),
    ).toThrow(/remove: NetworkPolicy t\/nope is not in the baseline/);
  });

  it('composes from a directory and lists overlays sorted', async () => {
    const dir = await tree({
      'overlays/b-open/overlay.yaml': 'description: drop the deny policy\nflips: [NET-TENANT-01]\nremove:\n  - {kind: NetworkPolicy, name: deny, namespace: t}\n',
      'overlays/a-scale/overlay.yaml': 'description: two replicas\nflips: [X-01, X-02]\n',
      'overlays/a-scale/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: t}\nspec: {replicas: 2}\n',
    });
    const list = await listOverlays(dir);
    expect(list.map((o) => o.name)).toEqual(['a-scale', 'b-open']);
    expect(list[0]).toEqual({ name: 'a-scale', description: 'two replicas', flips: ['X-01', 'X-02'] });
    const { objects, overlay } = await composeOverlay(base, join(dir, 'overlays/a-scale'));
    expect(overlay.flips).toEqual(['X-01', 'X-02']);
    expect(objects.find((o) => o.kind === 'Deployment')?.spec).toEqual({ replicas: 2 });
    const open = await composeOverlay(base, join(dir, 'overlays/b-open'));
    expect(open.objects.map((o) => o.kind)).toEqual(['Namespace', 'Deployment']);
  });

  it('returns no overlays when the scenario has none', async () => {
    expect(await listOverlays(await tree({ 'manifests/a.yaml': '' }))).toEqual([]);
  });

  it.each([
    ['flips: [X-01]\n', /description: missing/],
    ['description: d\n', /flips: must be a non-empty list/],
    ['description: d\nflips: []\n', /flips: must be a non-empty list/],
    ['description: d\nflips: [X-01]\nflip: [Y]\n', /unknown field flip/],
    ['description: d\nflips: [X-01]\nremove: {kind: Pod}\n', /remove: must be a list/],
  ])('rejects overlay.yaml %j', async (text, re) => {
    const dir = await tree({ 'overlays/x/overlay.yaml': text });
    await expect(listOverlays(dir)).rejects.toThrow(re);
  });

  it('requires overlay.yaml', async () => {
    const dir = await tree({ 'overlays/x/a.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n' });
    await expect(composeOverlay(base, join(dir, 'overlays/x'))).rejects.toThrow(/overlay\.yaml is missing/);
  });
});

describe('withRunLabels', () => {
  it('adds run and scenario labels on a copy', () => {
    const o: KubeObject = { ...obj('ConfigMap', 'c', 'n'), metadata: { name: 'c', namespace: 'n', labels: { app: 'x' } } };
    const l = withRunLabels(o, 'rabc', 'tenant-isolation');
    expect(l.metadata.labels).toEqual({ app: 'x', 'isoproof.dev/run': 'rabc', 'isoproof.dev/scenario': 'tenant-isolation' });
    expect(o.metadata.labels).toEqual({ app: 'x' });
  });
});
