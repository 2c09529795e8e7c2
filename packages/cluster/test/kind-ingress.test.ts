import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_KIND_CONFIG } from '../src/kind/provider';
import { KIND_TRAEFIK_MANIFEST, kindTraefikFacts, kindTraefikObjects, LOCAL_INGRESS_DIR, prepareTraefikDir, renderInClusterTraefikConfig, traefikImage, TRAEFIK_POD_PORTS } from '../src/kind/ingress';
import { kindConfigMountsTraefik, kindLoadDockerImageArgs, renderKindConfig } from '../src/kind/args';
import { kindIngressFacts } from '../src/kind/args';

const read = (f: string) => readFile(f, 'utf8');
const localStatic = await read(join(LOCAL_INGRESS_DIR, 'traefik.yaml'));
const manifest = await read(KIND_TRAEFIK_MANIFEST);
const ingressClass = await read(join(LOCAL_INGRESS_DIR, 'ingressclass.yaml'));
const kindConfig = await read(DEFAULT_KIND_CONFIG);

interface Port {
  name: string;
  containerPort: number;
  hostPort?: number;
}
interface Pod {
  nodeSelector: Record<string, string>;
  securityContext: { runAsUser: number; runAsNonRoot: boolean };
  containers: Array<{ name: string; image: string; args: string[]; env: Array<{ name: string; value: string }>; ports: Port[]; volumeMounts: Array<{ mountPath: string }> }>;
  volumes: Array<{ name: string; hostPath?: { path: string } }>;
}
const podOf = (objects: ReturnType<typeof kindTraefikObjects>): Pod =>
  (objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec;

describe('renderInClusterTraefikConfig (from clusters/local/ingress/traefik.yaml)', () => {
  const out = parse(renderInClusterTraefikConfig(localStatic));
  const local = parse(localStatic);

  it('listens on the pod ports, adds ping, points the file provider at the node-mounted dir', () => {
    expect(out.entryPoints).toEqual({
      web: { address: ':8000' },
      websecure: { address: ':8443' },
      ping: { address: ':8082' },
    });
    expect(out.ping).toEqual({ entryPoint: 'ping' });
    expect(out.providers.file).toEqual({ directory: '/var/lib/isoproof/traefik/dynamic', watch: true });
  });

  it('keeps everything else of the local config (providers, throttling, logs, global)', () => {
    expect(out.providers.kubernetesIngress).toEqual(local.providers.kubernetesIngress);
    expect(out.providers.providersThrottleDuration).toBe(local.providers.providersThrottleDuration);
    expect(out.log).toEqual(local.log);
    expect(out.global).toEqual(local.global);
  });

  it('says where it comes from', () => {
    expect(renderInClusterTraefikConfig(localStatic)).toMatch(/^# Rendered by the isoproof kind provider from clusters\/local\/ingress\/traefik.yaml/);
  });

  it.each([
    ['entryPoints:\n  web: {address: ":1"}\nproviders:\n  kubernetesIngress: {}\n  file: {}\n', 'entryPoints.websecure'],
    ['entryPoints:\n  web: {}\n  websecure: {}\nproviders:\n  file: {}\n', 'providers.kubernetesIngress'],
    ['entryPoints:\n  web: {}\n  websecure: {}\nproviders:\n  kubernetesIngress: {}\n', 'providers.file'],
  ])('rejects a static config without %#: %s', (text, missing) => {
    expect(() => renderInClusterTraefikConfig(text)).toThrow(expect.objectContaining({ code: 'ISOPROOF_PROVIDER_CONFIG', message: expect.stringContaining(missing) }));
  });
});

describe('kindTraefikObjects (clusters/kind/ingress-traefik.yaml + the local IngressClass)', () => {
  it('applies Namespace first, then SA, RBAC, Deployment and the default IngressClass', () => {
    const objects = kindTraefikObjects(manifest, ingressClass);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/isoproof-system',
      'ServiceAccount/traefik',
      'ClusterRole/isoproof:ingress',
      'ClusterRoleBinding/isoproof:ingress',
      'Deployment/traefik',
      'IngressClass/traefik',
    ]);
    const cls = objects.at(-1)!;
    expect(cls.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class']).toBe('true');
    expect(objects.every((o) => !o.metadata.labels?.['isoproof.dev/run'])).toBe(true);
  });

  it('binds the local isoproof:ingress rules to the ServiceAccount', async () => {
    const objects = kindTraefikObjects(manifest, ingressClass);
    const system = (await read(join(LOCAL_INGRESS_DIR, '../config/system.yaml')))
      .split(/^---$/m)
      .filter((d) => d.includes('kind: ClusterRole\n'))
      .map((d) => parse(d))
      .find((d) => d?.kind === 'ClusterRole' && d.metadata.name === 'isoproof:ingress');
    expect(objects.find((o) => o.kind === 'ClusterRole')!.rules).toEqual(system.rules);
    expect(objects.find((o) => o.kind === 'ClusterRoleBinding')!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'traefik', namespace: 'isoproof-system' }]);
  });

  it('runs the official image on the ingress-ready node, pod ports = rendered entry points, hostPorts 80/443', () => {
    const objects = kindTraefikObjects(manifest, ingressClass);
    expect(traefikImage(objects)).toBe('traefik:v3.6.12');
    const pod = podOf(objects);
    expect(pod.nodeSelector).toEqual({ 'ingress-ready': 'true' });
    const c = pod.containers[0]!;
    const port = (n: string) => c.ports.find((p) => p.name === n);
    expect(port('web')).toMatchObject({ containerPort: TRAEFIK_POD_PORTS.web, hostPort: 80 });
    expect(port('websecure')).toMatchObject({ containerPort: TRAEFIK_POD_PORTS.websecure, hostPort: 443 });
    expect(port('ping')).toMatchObject({ containerPort: TRAEFIK_POD_PORTS.ping });
    expect(port('ping')!.hostPort).toBeUndefined();
    expect(c.args).toEqual(['--configFile=/var/lib/isoproof/traefik/traefik.yaml']);
    expect(pod.volumes.find((v) => v.name === 'config')!.hostPath!.path).toBe('/var/lib/isoproof/traefik');
    expect(c.volumeMounts.map((m) => m.mountPath)).toContain('/var/lib/isoproof/traefik');
  });

  it.each([
    [{ uid: 1001, httpsPort: '28443' }, 1001, '28443'],
    [{ uid: 0 }, 65532, '18443'],
    [{}, 65532, '18443'],
  ])('%j -> runAsUser %s, ISOPROOF_INGRESS_HTTPS_PORT %s', (o, uid, port) => {
    const pod = podOf(kindTraefikObjects(manifest, ingressClass, o));
    expect(pod.securityContext.runAsUser).toBe(uid);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers[0]!.env).toEqual([{ name: 'ISOPROOF_INGRESS_HTTPS_PORT', value: port }]);
  });

  it('rejects manifests without the traefik Deployment', () => {
    expect(() => kindTraefikObjects('apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n', ingressClass)).toThrow(/no Deployment "traefik"/);
  });

  it('the controller objects carry no run label (sweeps of scenario leftovers keep them)', () => {
    for (const o of kindTraefikObjects(manifest, ingressClass)) expect(o.metadata.labels?.['isoproof.dev/run'], `${o.kind}/${o.metadata.name}`).toBeUndefined();
  });
});

describe('kind config: Traefik mount and facts', () => {
  it('the repository kind config mounts Traefik into the ingress-ready node', () => {
    expect(kindConfigMountsTraefik(kindConfig)).toBe(true);
    // host ports 0: chosen by the provider at create, so the config alone gives no ingress fact
    expect(kindIngressFacts(kindConfig)).toEqual({});
  });

  it('renderKindConfig points the Traefik mount at the cluster dir', () => {
    const out = JSON.parse(
      renderKindConfig(kindConfig, { configDir: '/repo/clusters/kind', auditDir: '/c/isoproof-a/audit', traefikDir: '/c/isoproof-a/traefik', freePorts: [40001, 40002] }),
    );
    expect(out.nodes[0].extraMounts).toEqual([
      { hostPath: '/repo/clusters/kind/audit-policy.yaml', containerPath: '/etc/kubernetes/policies/audit-policy.yaml', readOnly: true },
      { hostPath: '/c/isoproof-a/audit', containerPath: '/var/log/kubernetes' },
      { hostPath: '/c/isoproof-a/traefik', containerPath: '/var/lib/isoproof/traefik' },
    ]);
  });

  it.each([
    ['no mount', 'kind: Cluster\nnodes:\n  - role: control-plane\n    labels: {ingress-ready: "true"}\n', false],
    ['mount on a node that is not ingress-ready', 'kind: Cluster\nnodes:\n  - role: control-plane\n    extraMounts: [{hostPath: /x, containerPath: /var/lib/isoproof/traefik}]\n', false],
    ['mount on the ingress-ready node', 'kind: Cluster\nnodes:\n  - role: worker\n    labels: {ingress-ready: "true"}\n    extraMounts: [{hostPath: /x, containerPath: /var/lib/isoproof/traefik}]\n', true],
  ])('kindConfigMountsTraefik: %s', (_why, text, want) => {
    expect(kindConfigMountsTraefik(text)).toBe(want);
  });

  it('facts: ingressDynamicDir is the host dir of the mounted dynamic/', () => {
    expect(kindTraefikFacts('/home/u/.cache/isoproof/kind/isoproof-a/traefik')).toEqual({ ingressDynamicDir: '/home/u/.cache/isoproof/kind/isoproof-a/traefik/dynamic' });
  });

  it('kind load docker-image names the cluster', () => {
    expect(kindLoadDockerImageArgs('isoproof-a', 'traefik:v3.6.12')).toEqual(['load', 'docker-image', 'traefik:v3.6.12', '--name', 'isoproof-a']);
  });
});

describe('prepareTraefikDir', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  it('writes the rendered static config and a copy of the local dynamic files, readable by the pod', async () => {
    const d = await mkdtemp(join(tmpdir(), 'isoproof-kind-traefik-'));
    dirs.push(d);
    const traefikDir = join(d, 'traefik');
    await prepareTraefikDir(traefikDir);
    await prepareTraefikDir(traefikDir); // idempotent
    expect(await read(join(traefikDir, 'traefik.yaml'))).toBe(renderInClusterTraefikConfig(localStatic));
    const local = (await readdir(join(LOCAL_INGRESS_DIR, 'dynamic'))).filter((f) => f.endsWith('.yaml')).sort();
    expect(local.length).toBeGreaterThan(0);
    expect((await readdir(join(traefikDir, 'dynamic'))).sort()).toEqual(local);
    for (const f of local) {
      expect(await read(join(traefikDir, 'dynamic', f))).toBe(await read(join(LOCAL_INGRESS_DIR, 'dynamic', f)));
      expect((await stat(join(traefikDir, 'dynamic', f))).mode & 0o777).toBe(0o644);
    }
    expect((await stat(join(traefikDir, 'dynamic'))).mode & 0o777).toBe(0o755);
  });
});
