import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';

/**
 * Fake secrets generated at test time: nothing secret-shaped is written in the test sources, so the
 * repository secret scan has nothing to find here. Every value is random and useless.
 */
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
export const ALNUM = UPPER + LOWER + DIGITS;
export const B32 = UPPER + '234567';
export const B64 = ALNUM + '+/';
export const B64URL = ALNUM + '-_';

export function rand(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** Random with at least one upper, lower and digit (entropy rules need mixed classes). */
export function mixed(n: number): string {
  return rand(UPPER, 1) + rand(LOWER, 1) + rand(DIGITS, 1) + rand(ALNUM, n - 3);
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export function fakeJwt(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'RS256', kid: rand(ALNUM, 12) })}.${b64url(claims)}.${randomBytes(64).toString('base64url')}`;
}

/** A JWT with the claims Kubernetes puts in a bound ServiceAccount token. */
export function fakeServiceAccountJwt(ns = 'demo', sa = 'app'): string {
  return fakeJwt({
    aud: ['https://kubernetes.default.svc'],
    iss: 'https://kubernetes.default.svc',
    sub: `system:serviceaccount:${ns}:${sa}`,
    'kubernetes.io': { namespace: ns, serviceaccount: { name: sa } },
    exp: 4_000_000_000,
  });
}

/** A legacy (secret-based) ServiceAccount token's claims. */
export function fakeLegacySaJwt(): string {
  return fakeJwt({ iss: 'kubernetes/serviceaccount', 'kubernetes.io/serviceaccount/namespace': 'demo' });
}

let pem: string | undefined;
/** A freshly generated (throw-away) private key in PEM. */
export function fakePrivateKey(): string {
  pem ??= generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return pem;
}

export const fake = {
  awsKeyId: () => ['AK', 'IA'].join('') + rand(B32, 16),
  awsSecret: () => rand(UPPER, 2) + rand(LOWER, 2) + rand(DIGITS, 2) + rand(ALNUM + '/+', 34),
  gcpApiKey: () => ['AI', 'za'].join('') + rand(ALNUM + '-_', 35),
  azureStorageKey: () => rand(B64, 86) + '==',
  azureClientSecret: () => rand(ALNUM, 3) + rand(DIGITS, 1) + 'Q~' + rand(ALNUM + '_~.-', 32),
  githubPat: () => ['gh', 'p_'].join('') + rand(ALNUM, 36),
  githubFineGrained: () => ['github', '_pat_'].join('') + rand(ALNUM + '_', 82),
  gitlabPat: () => ['gl', 'pat-'].join('') + rand(ALNUM, 20),
  vaultToken: () => ['hv', 's.'].join('') + rand(ALNUM, 90),
  slackBot: () => ['xo', 'xb-'].join('') + rand(DIGITS, 12) + '-' + rand(DIGITS, 12) + '-' + rand(ALNUM, 24),
  slackWebhook: () => ['https://hooks.slack', '.com/services/'].join('') + 'T' + rand(UPPER + DIGITS, 8) + '/B' + rand(UPPER + DIGITS, 8) + '/' + rand(ALNUM, 24),
  stripeLive: () => ['sk', '_live_'].join('') + rand(ALNUM, 24),
  sendgrid: () => ['S', 'G.'].join('') + rand(B64URL, 22) + '.' + rand(B64URL, 43),
  npm: () => ['np', 'm_'].join('') + rand(ALNUM, 36),
  pypi: () => ['pypi-', 'AgEIcHlwaS5vcmc'].join('') + rand(B64URL, 60),
  password: () => mixed(20) + '!',
};
