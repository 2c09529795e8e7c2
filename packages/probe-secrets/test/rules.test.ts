import { describe, expect, it } from 'vitest';
import { acceptGenericValue } from '../src/dismissals';
import { shannonEntropy } from '../src/entropy';
import { isServiceAccountJwt } from '../src/jwt';
import { RULES } from '../src/rules';
import { scanKeyValue, scanText } from '../src/scan-text';
import { ALNUM, B64, DIGITS, LOWER, fake, fakeJwt, fakeLegacySaJwt, fakePrivateKey, fakeServiceAccountJwt, mixed, rand } from './fakes';

/** [rule id, text with a true positive, the secret value expected] — generated per test run. */
function truePositives(): Array<[string, string, string]> {
  const aws = fake.awsKeyId();
  const awsSecret = fake.awsSecret();
  const gcp = fake.gcpApiKey();
  const azs = fake.azureStorageKey();
  const azc = fake.azureClientSecret();
  const gh = fake.githubPat();
  const ghf = fake.githubFineGrained();
  const gl = fake.gitlabPat();
  const vault = fake.vaultToken();
  const slack = fake.slackBot();
  const hook = fake.slackWebhook();
  const stripe = fake.stripeLive();
  const sg = fake.sendgrid();
  const npm = fake.npm();
  const pypi = fake.pypi();
  const jwt = fakeJwt({ sub: 'user-42', iss: 'https://idp.test' });
  const saJwt = fakeServiceAccountJwt();
  const legacy = fakeLegacySaJwt();
  const key = fakePrivateKey().trim();
  const pw = fake.password();
  const pgPw = mixed(16);
  const basicPw = mixed(12);
  const sqlPw = mixed(14);
  const dockerAuth = Buffer.from(`robot:${mixed(24)}`).toString('base64');
  const gsaId = rand('0123456789abcdef', 40);
  return [
    ['private-key', `config:\n${key}\n`, key],
    ['jwt', `Authorization: Bearer ${jwt}`, jwt],
    ['kubernetes-serviceaccount-token', `token=${saJwt}`, saJwt],
    ['kubernetes-serviceaccount-token', `"token": "${legacy}"`, legacy],
    ['aws-access-key-id', `aws_access_key_id = ${aws}`, aws],
    ['aws-secret-access-key', `AWS_SECRET_ACCESS_KEY="${awsSecret}"`, awsSecret],
    ['gcp-api-key', `maps.key=${gcp}`, gcp],
    ['gcp-service-account-key', `{"type": "service_account", "project_id": "p", "private_key_id": "${gsaId}"}`, gsaId],
    ['azure-storage-key', `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${azs};EndpointSuffix=core.windows.net`, azs],
    ['azure-client-secret', `client_secret: ${azc}`, azc],
    ['github-token', `GITHUB_TOKEN=${gh}`, gh],
    ['github-token', `token ${ghf}`, ghf],
    ['gitlab-token', `CI token ${gl} used`, gl],
    ['vault-token', `VAULT_TOKEN=${vault}`, vault],
    ['slack-token', `slack: ${slack}`, slack],
    ['slack-webhook', `notify ${hook}`, hook],
    ['stripe-key', `STRIPE=${stripe}`, stripe],
    ['sendgrid-api-key', `sg=${sg}`, sg],
    ['npm-token', `//registry.npmjs.org/:_authToken=${npm}`, npm],
    ['pypi-token', `password = ${pypi}`, pypi],
    ['database-connection-string', `DATABASE_URL=postgres://app:${pgPw}@db.shop.svc:5432/orders`, pgPw],
    ['basic-auth-url', `proxy https://builder:${basicPw}@proxy.internal:3128`, basicPw],
    ['database-connection-string', `Server=tcp:sql.internal,1433;User ID=app;Password=${sqlPw};Encrypt=true`, sqlPw],
    ['docker-config-auth', `{"auths":{"registry.example.test":{"auth":"${dockerAuth}"}}}`, dockerAuth],
    ['database-password', `db.password=${pw}`, pw],
    ['generic-secret', `payments.api_key=${pw}`, pw],
    ['password', `ADMIN_PASSWORD=${pw}`, pw],
  ];
}

/** [rule id, text that must NOT be reported]. */
function falsePositives(): Array<[string, string]> {
  return [
    ['private-key', 'public key:\n' + '-----' + 'BEGIN PUBLIC KEY-----\n' + rand(B64, 64) + '\n-----' + 'END PUBLIC KEY-----'],
    ['jwt', `header eyJ${rand(ALNUM, 20)}.eyJ${rand(ALNUM, 20)}.${rand(ALNUM, 30)} not JSON`],
    ['aws-access-key-id', ['AK', 'IA', 'IOSFODNN7', 'EXAMPLE'].join('')],
    ['aws-access-key-id', `id ${['AK', 'IA'].join('')}${rand(LOWER, 16)}`],
    ['gcp-api-key', `${['AI', 'za'].join('')}short`],
    ['github-token', `${['gh', 'p_'].join('')}${rand(ALNUM, 10)}`],
    ['gitlab-token', `${['gl', 'pat-'].join('')}xxxxxxxxxxxxxxxxxxxx`],
    ['vault-token', `${['hv', 's.'].join('')}short`],
    ['stripe-key', `${['sk', '_live_'].join('')}\${STRIPE_KEY_FROM_ENV}`],
    ['url-credentials', 'postgres://app:${DB_PASSWORD}@db:5432/orders'],
    ['url-credentials', 'https://user:<password>@example.test/'],
    ['url-credentials', 'https://registry.example.test/v2/'],
    ['docker-config-auth', `{"auths":{"r":{"auth":"${Buffer.from('no-colon-here').toString('base64')}"}}}`],
    ['generic-secret', 'password: changeme'],
    ['generic-secret', 'DB_PASSWORD: ${DB_PASSWORD}'],
    ['generic-secret', 'secretName: orders-db-secret'],
    ['generic-secret', 'tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token'],
    ['generic-secret', 'token_audience: https://kubernetes.default.svc'],
    ['generic-secret', 'password: hmac:0123456789abcdef'],
    ['generic-secret', 'passwordPolicy: minimum-length-12'],
    ['generic-secret', 'apiVersion: v1'],
    ['generic-secret', 'secret: 123456789012'],
    ['generic-secret', 'api_key=********'],
  ];
}

describe('rules: true positives', () => {
  for (const [rule, text, value] of truePositives()) {
    it(`${rule} finds its secret in ${JSON.stringify(text.slice(0, 24))}…`, () => {
      const hits = scanText(text);
      const hit = hits.find((h) => h.rule === rule);
      expect(hit, `rules hit: ${hits.map((h) => h.rule).join(', ')}`).toBeDefined();
      expect(hit?.value).toBe(value);
      expect(text.slice(hit?.index ?? -1, (hit?.index ?? 0) + value.length)).toBe(value);
    });
  }

  it('every rule of the rule set has at least one true positive above', () => {
    const covered = new Set(truePositives().map(([r]) => r));
    covered.add('url-credentials'); // reported as basic-auth-url / database-connection-string
    covered.add('keyed-assignment'); // reported as its keyed family (database-password, password, ...)
    for (const r of RULES) expect(covered, r.id).toContain(r.id);
  });
});

describe('rules: false positives', () => {
  for (const [rule, text] of falsePositives()) {
    it(`${rule} does not fire on ${JSON.stringify(text.slice(0, 40))}`, () => {
      const hits = scanText(text).filter((h) => h.rule === rule || (rule === 'url-credentials' && /url|connection/.test(h.rule)));
      expect(hits.map((h) => h.rule)).toEqual([]);
    });
  }
});

describe('line numbers and overlaps', () => {
  it('reports the 1-based line of each hit', () => {
    const gh = fake.githubPat();
    const text = `line one\nline two\nexport GH=${gh}\n`;
    const [hit] = scanText(text);
    expect(hit?.line).toBe(3);
  });

  it('reports one rule per span: a specific rule wins over generic key=value', () => {
    const stripe = fake.stripeLive();
    const hits = scanText(`api_key=${stripe}`);
    expect(hits.map((h) => h.rule)).toEqual(['stripe-key']);
  });

  it('can restrict the rule set', () => {
    const text = `a ${fake.githubPat()} b ${fake.npm()}`;
    expect(scanText(text, { rules: ['npm-token'] }).map((h) => h.rule)).toEqual(['npm-token']);
  });
});

describe('keyed values (structured data)', () => {
  it('flags a random value under a secret-named key', () => {
    const v = `isoproof-canary-${mixed(20)}`;
    expect(scanKeyValue('DB_PASSWORD', v).map((h) => h.rule)).toEqual(['database-password']);
    expect(scanKeyValue('PAYMENTS_API_KEY', v)[0]?.value).toBe(v);
  });

  it('does not flag the same value under a neutral key, nor references under secret-named keys', () => {
    expect(scanKeyValue('LOG_LEVEL', `isoproof-canary-${mixed(20)}`)).toEqual([]);
    expect(scanKeyValue('DB_PASSWORD_FILE', '/etc/secrets/db/password')).toEqual([]);
    expect(scanKeyValue('JWT_SECRET_NAME', 'jwt-secret')).toEqual([]);
    expect(scanKeyValue('apiVersion', mixed(30))).toEqual([]);
    expect(scanKeyValue('TOKEN', 'true')).toEqual([]);
  });

  it('still runs the vendor rules on values under neutral keys', () => {
    const gl = fake.gitlabPat();
    expect(scanKeyValue('NOTES', `deploy with ${gl}`).map((h) => h.rule)).toEqual(['gitlab-token']);
  });
});

describe('helpers', () => {
  it('shannon entropy', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy(rand(ALNUM, 64))).toBeGreaterThan(4.5);
  });

  it('ServiceAccount JWT classification', () => {
    expect(isServiceAccountJwt(fakeServiceAccountJwt())).toBe(true);
    expect(isServiceAccountJwt(fakeLegacySaJwt())).toBe(true);
    expect(isServiceAccountJwt(fakeJwt({ sub: 'someone', iss: 'https://accounts.test' }))).toBe(false);
    expect(isServiceAccountJwt('not.a.jwt')).toBe(false);
  });

  it('generic acceptance needs length, entropy and mixed classes', () => {
    expect(acceptGenericValue('password', mixed(16))).toBe(true);
    expect(acceptGenericValue('password', rand(LOWER, 12))).toBe(false);
    expect(acceptGenericValue('password', rand(DIGITS, 12))).toBe(false);
    expect(acceptGenericValue('password', 'short1A')).toBe(false);
    expect(acceptGenericValue('password', 'two words 1A')).toBe(false);
  });
});
