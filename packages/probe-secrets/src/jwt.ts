function decodeB64Json(part: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Header and claims of a JWT (no signature check), or undefined when it is not one. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return undefined;
  const header = decodeB64Json(parts[0]);
  const claims = decodeB64Json(parts[1]);
  if (!header || !claims || typeof header['alg'] !== 'string') return undefined;
  return { header, claims };
}

/** True when a JWT's claims say it was issued by Kubernetes for a ServiceAccount. */
export function isServiceAccountJwt(token: string): boolean {
  const d = decodeJwt(token);
  if (!d) return false;
  const { claims } = d;
  const sub = typeof claims['sub'] === 'string' ? claims['sub'] : '';
  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : '';
  return (
    sub.startsWith('system:serviceaccount:') ||
    'kubernetes.io' in claims ||
    iss === 'kubernetes/serviceaccount' ||
    'kubernetes.io/serviceaccount/namespace' in claims
  );
}
