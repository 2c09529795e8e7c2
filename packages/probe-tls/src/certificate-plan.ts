import { InvalidManifestError } from '@isoproof/kube';
import type { IssuedCertificate, TestCa } from './test-ca';

/** Which certificate prepare issues for an Ingress's tls secrets (annotation on the Ingress). */
export const TEST_CERT_ANNOTATION = 'isoproof.dev/test-certificate';
export const CERT_PROFILES = ['valid', 'expired', 'wrong-host', 'rsa-1024', 'sha1'] as const;
export type CertProfile = (typeof CERT_PROFILES)[number];
/** The host a wrong-host certificate names. */
export const WRONG_HOST = 'wrong.example.net';

export interface IngressLike {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { tls?: { hosts?: string[]; secretName?: string }[] };
}

export interface PlannedSecret {
  namespace: string;
  secretName: string;
  hosts: string[];
  profile: CertProfile;
  ingress: string;
}

/** Pure: the tls secrets to create from the live Ingresses (one per namespace/secretName). */
export function planSecrets(ingresses: IngressLike[]): PlannedSecret[] {
  const out = new Map<string, PlannedSecret>();
  for (const ing of ingresses) {
    const namespace = ing.metadata?.namespace ?? 'default';
    const raw = ing.metadata?.annotations?.[TEST_CERT_ANNOTATION] ?? 'valid';
    if (!(CERT_PROFILES as readonly string[]).includes(raw)) {
      throw new InvalidManifestError(
        `Ingress ${namespace}/${ing.metadata?.name ?? '?'}: ${TEST_CERT_ANNOTATION}=${raw} is not one of ${CERT_PROFILES.join(', ')}`,
      );
    }
    for (const t of ing.spec?.tls ?? []) {
      if (!t.secretName) continue;
      const key = `${namespace}/${t.secretName}`;
      const prev = out.get(key);
      const hosts = [...new Set([...(prev?.hosts ?? []), ...(t.hosts ?? [])])];
      out.set(key, { namespace, secretName: t.secretName, hosts, profile: prev?.profile ?? (raw as CertProfile), ingress: ing.metadata?.name ?? '' });
    }
  }
  return [...out.values()];
}

/** The certificate of a planned secret: its profile's one defect, or none for 'valid'. */
export async function issueFor(ca: TestCa, p: PlannedSecret): Promise<IssuedCertificate> {
  const [first, ...more] = p.hosts.length ? p.hosts : ['localhost'];
  const host = first as string;
  switch (p.profile) {
    case 'valid':
      return ca.issueServer(host, more);
    case 'expired':
      return ca.issueExpired(host, more);
    case 'wrong-host':
      return ca.issueWrongHost(WRONG_HOST);
    case 'rsa-1024':
      return ca.issueServer(host, more, { key: { type: 'rsa', bits: 1024 } });
    case 'sha1':
      return ca.issueServer(host, more, { digest: 'sha1' });
  }
}
