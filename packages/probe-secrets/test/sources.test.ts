import { gzipSync } from 'node:zlib';
import { createRedactor, defaultRedactor } from '@isoproof/core';
import { describe, expect, it } from 'vitest';
import { automountCheck, liveTokenCheck, scanCheck } from '../src/checks';
import { LAST_APPLIED, scanAnnotations } from '../src/scan-annotations';
import { scanConfigMap } from '../src/scan-configmap';
import { scanEnvLiterals } from '../src/scan-env';
import { decodeHelmRelease, encodeHelmRelease, scanHelmRelease } from '../src/scan-helm';
import { scanLog } from '../src/scan-log';
import type { K8sObject } from '../src/sources';
import { validateSecretsSpec } from '../src/spec';
import { fake, fakeServiceAccountJwt, mixed } from './fakes';

const canary = (what: string) => `isoproof-canary-${what}-${mixed(20)}`;

function cm(name: string, data: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data };
}

/** JSON of everything a finding list would put in a report. */
const report = (x: unknown) => JSON.stringify(x);

describe('ConfigMaps', () => {
  it('finds a password under a secret-named key, with a JSON-path location and a keyed hash', () => {
    const pw = canary('db-password');
    const found = scanConfigMap(cm('orders-config', { DB_HOST: 'mysql.shop.svc', DB_PASSWORD: pw, LOG_LEVEL: 'info' }));
    expect(found).toHaveLength(1);
    const f = found[0]!.finding;
    expect(f.location).toBe('configmap/shop/orders-config:data.DB_PASSWORD');
    expect(f.rule).toBe('database-password');
    expect(f.hash).toBe(defaultRedactor.hash(pw));
    expect(f.hash).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(report(found.map((x) => x.finding))).not.toContain(pw);
    // registered: any writer scrubbing through the default redactor hides it
    expect(defaultRedactor.redactText(`oops ${pw}`)).toBe(`oops ${f.hash}`);
  });

  it('gives line numbers inside file-like values and quotes keys with dots', () => {
    const gh = fake.githubPat();
    const found = scanConfigMap(cm('app', { 'app.properties': `server.port=8080\nlog.level=info\ngithub.token=${gh}\n` }));
    expect(found.map((x) => x.finding.location)).toEqual(['configmap/shop/app:data["app.properties"] line 3']);
  });

  it('finds registry credentials (a docker config used as plain config)', () => {
    const auth = Buffer.from(`robot:${mixed(24)}`).toString('base64');
    const found = scanConfigMap(cm('registry', { 'config.json': JSON.stringify({ auths: { 'registry.test': { auth } } }) }));
    expect(found.map((x) => x.finding.rule)).toEqual(['docker-config-auth']);
  });

  it('reads utf8 binaryData and reports nothing on an ordinary config', () => {
    const npm = fake.npm();
    const found = scanConfigMap({ ...cm('bin', {}), binaryData: { npmrc: Buffer.from(`//r/:_authToken=${npm}`).toString('base64') } });
    expect(found.map((x) => x.finding.location)).toEqual(['configmap/shop/bin:binaryData.npmrc']);
    expect(scanConfigMap(cm('clean', { 'nginx.conf': 'server { listen 8080; }', SECRET_NAME: 'orders-db-secret', API_URL: 'https://api.shop.svc' }))).toEqual([]);
  });
});

describe('container literals', () => {
  const deployment = (env: unknown[], args?: string[]): K8sObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'payments', namespace: 'shop' },
    spec: { template: { spec: { containers: [{ name: 'app', image: 'x', env, ...(args ? { args } : {}) }] } } },
  });

  it('finds an API key env literal; secretKeyRef and envFrom are fine', () => {
    const key = canary('api-key');
    const found = scanEnvLiterals(
      deployment([
        { name: 'MODE', value: 'prod' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'PAYMENTS_API_KEY', value: key },
      ]),
    );
    expect(found.map((x) => x.finding.location)).toEqual(['deployment/shop/payments:spec.template.spec.containers[0].env[2].value']);
    expect(report(found.map((x) => x.finding))).not.toContain(key);
  });

  it('scans args and command, pod specs and CronJob templates', () => {
    const pw = mixed(18);
    const found = scanEnvLiterals(deployment([], ['--listen=:8080', `--db-password=${pw}`]));
    expect(found.map((x) => x.finding.location)).toEqual(['deployment/shop/payments:spec.template.spec.containers[0].args[1]']);
    const cron: K8sObject = { kind: 'CronJob', metadata: { name: 'c', namespace: 'shop' }, spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ name: 'i', env: [{ name: 'SECRET_TOKEN', value: mixed(24) }] }] } } } } } };
    expect(scanEnvLiterals(cron).map((x) => x.finding.location)).toEqual(['cronjob/shop/c:spec.jobTemplate.spec.template.spec.initContainers[0].env[0].value']);
    expect(scanEnvLiterals({ kind: 'Service', metadata: { name: 's' } })).toEqual([]);
  });
});

describe('annotations', () => {
  const secretApplied = (stringData: Record<string, string>, data: Record<string, string> = {}): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'db',
      namespace: 'shop',
      annotations: {
        [LAST_APPLIED]: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', stringData, data }) + '\n',
      },
    },
  });

  it('decodes last-applied-configuration: every stringData/data value of a Secret is a critical leak', () => {
    const pw = canary('stringdata');
    const user = 'orders'; // even a low-entropy value is a leak here
    const other = mixed(16);
    const found = scanAnnotations(secretApplied({ password: pw, username: user }, { token: Buffer.from(other).toString('base64') }));
    expect(found.map((x) => [x.finding.rule, x.finding.location])).toEqual([
      ['kubernetes-secret-in-annotation', 'secret/shop/db:metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"].stringData.password'],
      ['kubernetes-secret-in-annotation', 'secret/shop/db:metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"].stringData.username'],
      ['kubernetes-secret-in-annotation', 'secret/shop/db:metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"].data.token'],
    ]);
    expect(found[2]!.finding.hash).toBe(defaultRedactor.hash(other));
    expect(report(found.map((x) => x.finding))).not.toContain(pw);
  });

  it('allows SealedSecret encryptedData and structural fields, scans other annotations', () => {
    const sealed: K8sObject = {
      kind: 'SealedSecret',
      metadata: {
        name: 's',
        namespace: 'shop',
        annotations: {
          [LAST_APPLIED]: JSON.stringify({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', spec: { encryptedData: { password: 'Ag' + mixed(300) } } }),
          'checksum/config': mixed(64),
        },
      },
    };
    expect(scanAnnotations(sealed)).toEqual([]);
    const svc: K8sObject = { kind: 'Service', metadata: { name: 'web', namespace: 'shop', annotations: { 'example.test/webhook': fake.slackWebhook() } } };
    expect(scanAnnotations(svc).map((x) => x.finding.location)).toEqual(['service/shop/web:metadata.annotations["example.test/webhook"]']);
  });
});

describe('logs', () => {
  it('finds a token in a log with its line number', () => {
    const jwt = fakeServiceAccountJwt('shop', 'log-shipper');
    const log = `starting\nreading token\ncontent of file "/var/run/secrets/kubernetes.io/serviceaccount/token": ${jwt}\ndone\n`;
    const found = scanLog({ kind: 'Pod', namespace: 'shop', name: 'shipper-1' }, 'debug', log);
    expect(found.map((x) => [x.finding.rule, x.finding.location, x.finding.line])).toEqual([
      ['kubernetes-serviceaccount-token', 'pod/shop/shipper-1:log[debug] line 3', 3],
    ]);
    expect(found[0]!.value).toBe(jwt);
  });
});

describe('Helm releases', () => {
  const release = (config: unknown, manifest = '') => ({ name: 'shop', version: 1, namespace: 'shop', config, chart: { metadata: { name: 'shop' }, values: { image: 'x' } }, manifest });

  it('decodes base64 -> base64 -> gzip -> JSON from a release Secret and finds values leaks', async () => {
    const pw = canary('helm');
    const helmB64 = await encodeHelmRelease(release({ db: { host: 'mysql', password: pw } }));
    const secret: K8sObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'helm.sh/release.v1',
      metadata: { name: 'sh.helm.release.v1.shop.v1', namespace: 'shop', labels: { owner: 'helm' } },
      data: { release: Buffer.from(helmB64).toString('base64') },
    };
    expect(decodeHelmRelease(secret['data'] ? (secret['data'] as { release: string }).release : '', { fromSecretData: true })['name']).toBe('shop');
    const found = scanHelmRelease(secret);
    expect(found.map((x) => x.finding.location)).toEqual(['secret/shop/sh.helm.release.v1.shop.v1:release.config.db.password']);
  });

  it('flags rendered Secrets only for ConfigMap storage', async () => {
    const manifest = `---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${mixed(8)}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n`;
    const payload = gzipSync(Buffer.from(JSON.stringify(release({}, manifest)))).toString('base64');
    const asCm: K8sObject = { kind: 'ConfigMap', metadata: { name: 'sh.helm.release.v1.shop.v1', namespace: 'shop' }, data: { release: payload } };
    expect(scanHelmRelease(asCm).map((x) => [x.finding.rule, x.finding.location])).toEqual([
      ['helm-release-secret-manifest', 'configmap/shop/sh.helm.release.v1.shop.v1:release.manifest["Secret/db"].stringData.password'],
    ]);
    const asSecret: K8sObject = { kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: 'sh.helm.release.v1.shop.v1', namespace: 'shop' }, data: { release: Buffer.from(payload).toString('base64') } };
    expect(scanHelmRelease(asSecret)).toEqual([]);
  });

  it('rejects a payload that is not a release', () => {
    expect(() => decodeHelmRelease(Buffer.from('not json').toString('base64'))).toThrow(/not JSON/);
  });
});

describe('checks', () => {
  it('scanCheck: holds when clean, violated with hashes only', () => {
    const pw = canary('check');
    const found = scanConfigMap(cm('c', { DB_PASSWORD: pw }));
    const bad = scanCheck({ source: 'configmap', resource: { kind: 'ConfigMap', namespace: 'shop', name: 'c' }, sent: 'GET', found });
    expect(bad.observation.outcome).toBe('violated');
    expect(bad.id).toBe('configmap configmap/shop/c');
    expect(report(bad)).not.toContain(pw);
    expect(report(bad)).toContain(defaultRedactor.hash(pw));
    const ok = scanCheck({ source: 'configmap', resource: { kind: 'ConfigMap', namespace: 'shop', name: 'c' }, sent: 'GET', found: [] });
    expect(ok.observation.outcome).toBe('holds');
  });

  it('liveTokenCheck: live is violated and marks findings live', () => {
    const found = scanLog({ kind: 'Pod', namespace: 'shop', name: 'p' }, 'c', `t=${fakeServiceAccountJwt()}`);
    const live = liveTokenCheck(found, { authenticated: true, username: 'system:serviceaccount:shop:app' });
    expect(live.observation.outcome).toBe('violated');
    expect(found[0]!.finding.live).toBe(true);
    expect(report(live)).not.toContain(found[0]!.value);
    expect(liveTokenCheck(found, { authenticated: false, reason: 'invalid bearer token' }).observation.outcome).toBe('holds');
    expect(liveTokenCheck(found, { authenticated: false, error: 'HTTP 403' }).observation.outcome).toBe('error');
  });

  it('automountCheck: a token volume on a pod whose SA needs no API is violated', () => {
    const pod = (sa: string, projected: boolean): K8sObject => ({
      kind: 'Pod',
      metadata: { name: `p-${sa}`, namespace: 'shop' },
      spec: { serviceAccountName: sa, volumes: projected ? [{ name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }] } }] : [] },
    });
    expect(automountCheck(pod('web', true), { kind: 'ServiceAccount', metadata: { name: 'web' } }, ['shipper']).observation.outcome).toBe('violated');
    expect(automountCheck(pod('shipper', true), undefined, ['shipper']).observation.outcome).toBe('holds');
    const none = automountCheck(pod('web', false), { kind: 'ServiceAccount', metadata: { name: 'web' }, automountServiceAccountToken: false }, []);
    expect(none.observation.outcome).toBe('holds');
    expect(none.observation.evidence.notes?.join('\n')).toContain('automountServiceAccountToken=false');
  });

  it('a separate redactor keeps its own registry', () => {
    const r = createRedactor(Buffer.from('k'.repeat(32)));
    const pw = canary('own');
    const [f] = scanConfigMap(cm('c', { PASSWORD: pw }), { redactor: r });
    expect(f?.finding.hash).toBe(r.hash(pw));
    expect(r.redactText(pw)).toBe(r.hash(pw));
  });
});

describe('spec validation', () => {
  const v = (spec: Record<string, unknown>) => validateSecretsSpec({ spec });
  it('accepts the four checks and names bad fields', () => {
    expect(v({ check: 'scan', sources: ['configmap'], namespaces: ['a'] })).toEqual([]);
    expect(v({ check: 'live-tokens', sources: ['log', 'env'], namespaces: ['a'], logTailLines: 50 })).toEqual([]);
    expect(v({ check: 'secret-readers', namespace: 'a', readers: { db: ['orders'] }, controls: { orders: 'cfg' } })).toEqual([]);
    expect(v({ check: 'automount', namespaces: ['a'], needsApi: [] })).toEqual([]);
    expect(v({ check: 'nope' })[0]).toMatch(/^check: must be one of/);
    expect(v({ check: 'scan', sources: ['disk'], namespaces: ['a'] })).toEqual([expect.stringMatching(/unknown source 'disk'/)]);
    expect(v({ check: 'scan', sources: ['log'], namespaces: [], rules: ['bogus'] })).toHaveLength(2);
    expect(v({ check: 'secret-readers', namespace: 'a', readers: { db: 'orders' } })).toEqual(['readers.db: must be a list of ServiceAccount names']);
  });
});
