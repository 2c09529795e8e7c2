import { describe, expect, it } from 'vitest';
import { createRedactor } from '@isoproof/core';
import type { FoundSecret } from '../src/findings';
import type { K8sObject } from '../src/sources';
import { scanAnnotations } from '../src/scan-annotations';
import { scanConfigMap } from '../src/scan-configmap';
import { scanEnvLiterals } from '../src/scan-env';
import { encodeHelmRelease, scanHelmRelease } from '../src/scan-helm';
import { scanLog } from '../src/scan-log';
import { ALNUM, DIGITS, LOWER, UPPER, fake, fakeJwt, fakePrivateKey, fakeServiceAccountJwt, mixed, rand } from './fakes';

// Property: every generated secret of every family, planted in every source, is found with its
// family and the family's severity. Thousands of cases per run, values random each run.

type Sev = 'critical' | 'high' | 'medium' | 'low';
interface Family {
  rule: string;
  severity: Sev;
  /** Variable names it is planted under (one picked per case). */
  keys: string[];
  value(): string;
  /** The part of `value` that is the secret (default: all of it). */
  secret?(value: string): string;
}

const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** AWS secret access keys in every shape, including a leading "/" and no "+" (the landed miss). */
function awsSecret(): string {
  const shapes = [
    () => fake.awsSecret(),
    () => `/${rand(ALNUM + '/', 39)}`,
    () => rand(ALNUM, 40),
    () => `${rand(ALNUM + '/', 20)}/${rand(ALNUM, 19)}`,
    () => rand(UPPER + LOWER + '/+', 40),
  ];
  return pick(shapes)();
}

const password = () => pick([() => mixed(16) + '!', () => `/${mixed(15)}`, () => `${mixed(10)}/${mixed(9)}`, () => rand(ALNUM + '#%&*@^', 14) + rand(DIGITS, 2)]);

const FAMILIES: Family[] = [
  { rule: 'aws-secret-access-key', severity: 'critical', keys: ['AWS_SECRET_ACCESS_KEY', 'aws_secret_access_key', 'awsSecretAccessKey', 'AWS_SECRET_KEY', 'SECRET_ACCESS_KEY'], value: awsSecret },
  { rule: 'aws-access-key-id', severity: 'critical', keys: ['AWS_ACCESS_KEY_ID', 'S3_KEY_ID_VALUE'], value: fake.awsKeyId },
  { rule: 'database-password', severity: 'high', keys: ['DB_PASSWORD', 'POSTGRES_PASSWORD', 'mysqlRootPassword', 'REDIS_PASS', 'MONGODB_ADMIN_PWD'], value: () => password()() },
  { rule: 'password', severity: 'high', keys: ['ADMIN_PASSWORD', 'SMTP_PASSWORD', 'keystorePassphrase', 'LDAP_BIND_PWD'], value: () => password()() },
  { rule: 'azure-client-secret', severity: 'high', keys: ['AZURE_CLIENT_SECRET', 'ARM_CLIENT_SECRET', 'azureClientSecret'], value: () => pick([fake.azureClientSecret, () => rand(ALNUM + '.-_~', 40)])() },
  { rule: 'azure-storage-key', severity: 'critical', keys: ['AZURE_STORAGE_KEY', 'AZURE_STORAGE_ACCOUNT_KEY', 'STORAGE_ACCESS_KEY'], value: fake.azureStorageKey },
  {
    rule: 'azure-storage-key',
    severity: 'critical',
    keys: ['AZURE_STORAGE_CONNECTION_STRING'],
    value: () => `DefaultEndpointsProtocol=https;AccountName=${rand(LOWER, 8)};AccountKey=${fake.azureStorageKey()};EndpointSuffix=core.windows.net`,
    secret: (v) => /AccountKey=([^;]+)/.exec(v)?.[1] ?? '',
  },
  { rule: 'gcp-api-key', severity: 'high', keys: ['GOOGLE_MAPS_API_KEY', 'GCP_KEY_VALUE'], value: fake.gcpApiKey },
  {
    rule: 'gcp-service-account-key',
    severity: 'critical',
    keys: ['GOOGLE_CREDENTIALS_JSON'],
    value: () => JSON.stringify({ type: 'service_account', project_id: rand(LOWER, 8), private_key_id: rand('0123456789abcdef', 40) }),
    secret: (v) => (JSON.parse(v) as { private_key_id: string }).private_key_id,
  },
  { rule: 'github-token', severity: 'critical', keys: ['GITHUB_TOKEN', 'GH_PAT'], value: () => pick([fake.githubPat, fake.githubFineGrained])() },
  { rule: 'gitlab-token', severity: 'critical', keys: ['GITLAB_TOKEN', 'CI_PUSH_VALUE'], value: fake.gitlabPat },
  { rule: 'vault-token', severity: 'critical', keys: ['VAULT_TOKEN'], value: fake.vaultToken },
  { rule: 'slack-token', severity: 'high', keys: ['SLACK_BOT_TOKEN'], value: fake.slackBot },
  { rule: 'slack-webhook', severity: 'high', keys: ['SLACK_WEBHOOK_URL', 'NOTIFY_HOOK'], value: fake.slackWebhook },
  { rule: 'stripe-key', severity: 'critical', keys: ['STRIPE_SECRET_KEY', 'PAYMENTS_PROVIDER_VALUE'], value: fake.stripeLive },
  { rule: 'sendgrid-api-key', severity: 'high', keys: ['SENDGRID_API_KEY'], value: fake.sendgrid },
  { rule: 'npm-token', severity: 'high', keys: ['NPM_TOKEN'], value: fake.npm },
  { rule: 'pypi-token', severity: 'high', keys: ['PYPI_TOKEN', 'TWINE_PASSWORD'], value: fake.pypi },
  { rule: 'jwt', severity: 'high', keys: ['ID_TOKEN', 'SESSION_BEARER'], value: () => fakeJwt({ sub: `user-${rand(DIGITS, 4)}`, iss: 'https://idp.test' }) },
  { rule: 'kubernetes-serviceaccount-token', severity: 'critical', keys: ['KUBE_TOKEN', 'CLUSTER_BEARER'], value: () => fakeServiceAccountJwt(rand(LOWER, 6), rand(LOWER, 5)) },
  { rule: 'private-key', severity: 'critical', keys: ['TLS_KEY', 'SIGNING_MATERIAL'], value: () => fakePrivateKey().trim() },
  {
    rule: 'database-connection-string',
    severity: 'high',
    keys: ['DATABASE_URL', 'MONGO_URI'],
    value: () => `${pick(['postgres', 'mysql', 'mongodb', 'redis'])}://app:${mixed(14)}@db.${rand(LOWER, 5)}.svc:5432/orders`,
    secret: (v) => /:\/\/[^:]+:([^@]+)@/.exec(v)?.[1] ?? '',
  },
  {
    rule: 'basic-auth-url',
    severity: 'high',
    keys: ['HTTP_PROXY', 'UPSTREAM'],
    value: () => `https://builder:${mixed(12)}@proxy.${rand(LOWER, 5)}.internal:3128`,
    secret: (v) => /:\/\/[^:]+:([^@]+)@/.exec(v)?.[1] ?? '',
  },
  {
    rule: 'docker-config-auth',
    severity: 'high',
    keys: ['DOCKER_CONFIG_JSON'],
    value: () => JSON.stringify({ auths: { 'registry.test': { auth: Buffer.from(`robot:${mixed(24)}`).toString('base64') } } }),
    secret: (v) => (JSON.parse(v) as { auths: Record<string, { auth: string }> }).auths['registry.test']!.auth,
  },
  { rule: 'generic-secret', severity: 'medium', keys: ['PAYMENTS_API_KEY', 'WEBHOOK_SIGNING_SECRET', 'client_secret', 'REFRESH_TOKEN'], value: () => `${mixed(24)}` },
];

type Source = 'configmap' | 'env' | 'annotation' | 'log' | 'helm';
const SOURCES: Source[] = ['configmap', 'env', 'annotation', 'log', 'helm'];

const kebab = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();

async function plant(source: Source, key: string, value: string, redactor: ReturnType<typeof createRedactor>): Promise<FoundSecret[]> {
  const opts = { redactor };
  const meta = { name: `app-${rand(LOWER, 6)}`, namespace: 'prop' };
  switch (source) {
    case 'configmap':
      return scanConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { [key]: value, LOG_LEVEL: 'info' } }, opts);
    case 'env': {
      const pod: K8sObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { template: { spec: { containers: [{ name: 'app', image: 'app:1', env: [{ name: 'MODE', value: 'prod' }, { name: key, value }] }] } } } };
      return scanEnvLiterals(pod, opts);
    }
    case 'annotation':
      return scanAnnotations({ apiVersion: 'v1', kind: 'Service', metadata: { ...meta, annotations: { [`example.test/${kebab(key)}`]: value } } }, opts);
    case 'log': {
      const line = value.includes('\n') ? `${key}:\n${value}` : `2026-12-04T21:00:00Z INFO config loaded ${key}=${value} region=eu-west-1`;
      return scanLog({ kind: 'Pod', name: meta.name, namespace: 'prop', apiVersion: 'v1' }, 'app', `starting\n${line}\nready\n`, opts);
    }
    case 'helm': {
      const release = await encodeHelmRelease({ name: 'rel', config: { app: { env: { [key]: value } } }, chart: { values: {} }, manifest: '' });
      const obj: K8sObject = { apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { ...meta, name: 'sh.helm.release.v1.rel.v1' }, data: { release: Buffer.from(release).toString('base64') } };
      return scanHelmRelease(obj, opts);
    }
  }
}

// 25 families x 5 sources x 24 = 3,000 secrets per run, fresh values each run (ISOPROOF_PROPERTY_N for more)
const PER_CELL = Number(process.env.ISOPROOF_PROPERTY_N ?? 24);

describe('property: every family in every source is found, with its family severity', () => {
  for (const source of SOURCES) {
    it(`${source}: ${FAMILIES.length} families x ${PER_CELL}`, async () => {
      const redactor = createRedactor();
      const missed: string[] = [];
      for (const fam of FAMILIES) {
        for (let i = 0; i < PER_CELL; i++) {
          const key = pick(fam.keys);
          const value = fam.value();
          const secret = fam.secret ? fam.secret(value) : value;
          const found = await plant(source, key, value, redactor);
          const hit = found.find((f) => f.value === secret);
          if (!hit) missed.push(`${fam.rule} under ${key} (${found.map((f) => f.finding.rule).join(', ') || 'nothing'}) len ${secret.length} starts ${JSON.stringify(secret[0])}`);
          else if (hit.finding.rule !== fam.rule || hit.finding.severity !== fam.severity) missed.push(`${fam.rule} under ${key} reported as ${hit.finding.rule} [${hit.finding.severity}]`);
        }
      }
      expect(missed.slice(0, 10), `${missed.length} of ${FAMILIES.length * PER_CELL} missed`).toEqual([]);
    }, 60_000);
  }
});

describe('the landed miss (issue 13)', () => {
  it('an AWS secret access key starting with "/" and without "+" in an env var is a critical AWS finding', () => {
    const value = `/${rand(ALNUM, 20)}/${rand(ALNUM, 18)}`;
    const pod: K8sObject = { kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'c', env: [{ name: 'AWS_SECRET_ACCESS_KEY', value }] }] } };
    const found = scanEnvLiterals(pod, { redactor: createRedactor() });
    expect(found.map((f) => [f.finding.rule, f.finding.severity])).toEqual([['aws-secret-access-key', 'critical']]);
  });
  it('a dismissed candidate is counted, never silent', () => {
    const dismissed = {};
    const found = scanConfigMap({ kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { DB_PASSWORD: 'changeme', API_TOKEN: '/var/run/secrets/tokens/api' } }, { redactor: createRedactor(), dismissed });
    expect(found).toEqual([]);
    expect(dismissed).toEqual({ placeholder: 1, 'path-or-reference': 1 });
  });
});
