/**
 * Cipher suites of Mozilla's "intermediate" server profile (TLS 1.2 part, OpenSSL names), written out
 * here from the profile's definition: forward-secret AEAD suites only.
 */
export const MOZILLA_INTERMEDIATE_TLS12: readonly string[] = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
];

/** TLS 1.3 suites: all three standard ones are in the intermediate profile. */
export const MOZILLA_INTERMEDIATE_TLS13: readonly string[] = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
];

/**
 * Suites outside the profile that servers still commonly accept (CBC, static RSA key exchange, 3DES,
 * SHA-1 MACs). Offered one at a time; a suite this client's OpenSSL lacks is reported as untestable.
 */
export const WEAK_TLS12_CANDIDATES: readonly string[] = [
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-RSA-AES256-SHA',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA384',
  'DHE-RSA-AES128-SHA',
  'DHE-RSA-AES256-SHA',
  'DHE-RSA-AES128-SHA256',
  'DHE-RSA-AES256-SHA256',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA',
  'AES256-SHA',
  'AES128-SHA256',
  'AES256-SHA256',
  'ECDHE-RSA-DES-CBC3-SHA',
  'DES-CBC3-SHA',
];

export const TLS12_CANDIDATES: readonly string[] = [...MOZILLA_INTERMEDIATE_TLS12, ...WEAK_TLS12_CANDIDATES];

/** Accepted suites not in `allowed`. */
export function disallowedSuites(accepted: string[], allowed: readonly string[] = MOZILLA_INTERMEDIATE_TLS12): string[] {
  const ok = new Set(allowed.map((s) => s.toUpperCase()));
  return accepted.filter((s) => !ok.has(s.toUpperCase()));
}

/** MOZILLA_INTERMEDIATE_TLS12's ECDHE suites under their Go names (a Traefik TLS option's cipherSuites). */
export const GO_INTERMEDIATE_TLS12: readonly string[] = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
];
