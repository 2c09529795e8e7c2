import type { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';

/**
 * Certificate facts the probe reports and judges. node's X509Certificate has no signature algorithm
 * accessor on Node 20, so the certificate's outer signatureAlgorithm is read with @peculiar/asn1-x509.
 */

const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** Signature algorithms judged weak: MD5 and SHA-1 based. */
export function isWeakSignature(name: string): boolean {
  return /md5|md2|sha-?1(?!\d)/i.test(name);
}

/** The outer signatureAlgorithm OID of a DER certificate, named when known. */
export function signatureAlgorithm(der: Uint8Array): string {
  const oid = AsnConvert.parse(der, Certificate).signatureAlgorithm.algorithm;
  return SIGNATURE_OIDS[oid] ?? oid;
}

export interface KeyFacts {
  type: string;
  /** RSA modulus bits or EC curve size; undefined when unknown. */
  bits?: number;
  curve?: string;
}

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  'P-256': 256,
  secp256k1: 256,
  secp384r1: 384,
  'P-384': 384,
  secp521r1: 521,
  'P-521': 521,
  secp224r1: 224,
  prime192v1: 192,
};

export function keyFacts(cert: X509Certificate): KeyFacts {
  const k = cert.publicKey;
  const type = k.asymmetricKeyType ?? 'unknown';
  const d = k.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss' || type === 'dsa') {
    return d.modulusLength === undefined ? { type } : { type, bits: d.modulusLength };
  }
  if (type === 'ec') {
    const curve = d.namedCurve ?? 'unknown';
    const bits = CURVE_BITS[curve];
    return bits === undefined ? { type, curve } : { type, curve, bits };
  }
  if (type === 'ed25519') return { type, bits: 256 };
  if (type === 'ed448') return { type, bits: 448 };
  return { type };
}

export interface KeyPolicy {
  minRsaBits: number;
  minEcBits: number;
}

export const DEFAULT_KEY_POLICY: KeyPolicy = { minRsaBits: 2048, minEcBits: 256 };

/** undefined when the key is strong enough, else the reason. */
export function keyWeakness(k: KeyFacts, p: KeyPolicy = DEFAULT_KEY_POLICY): string | undefined {
  if (k.type === 'rsa' || k.type === 'rsa-pss' || k.type === 'dsa') {
    if (k.bits === undefined) return `${k.type} key of unknown size`;
    return k.bits < p.minRsaBits ? `${k.type} ${k.bits} bits < ${p.minRsaBits}` : undefined;
  }
  if (k.type === 'ec') {
    if (k.bits === undefined) return `EC key on unknown curve ${k.curve ?? ''}`.trim();
    return k.bits < p.minEcBits ? `EC ${k.curve} ${k.bits} bits < ${p.minEcBits}` : undefined;
  }
  if (k.type === 'ed25519' || k.type === 'ed448') return undefined;
  return `unsupported key type ${k.type}`;
}

export function describeKey(k: KeyFacts): string {
  if (k.type === 'ec') return `EC ${k.curve ?? '?'}`;
  return k.bits === undefined ? k.type.toUpperCase() : `${k.type.toUpperCase()} ${k.bits}`;
}

/** First CN of an X509Certificate subject/issuer string ("O=x\nCN=y"). */
export function commonName(dn: string): string | undefined {
  for (const line of dn.split('\n')) {
    if (line.startsWith('CN=')) return line.slice(3);
  }
  return undefined;
}

/** DNS names of a subjectAltName string ("DNS:a, DNS:b, IP Address:1.2.3.4"). */
export function sanDnsNames(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
}

/**
 * Verifies that `chain` (leaf first, as the server sent it) leads by signatures to `ca`, ignoring
 * validity dates (expiry is judged separately). Returns undefined on success, else the reason.
 */
export function chainToCa(chain: X509Certificate[], ca: X509Certificate): string | undefined {
  const leaf = chain[0];
  if (!leaf) return 'server sent no certificate';
  let cur = leaf;
  const rest = chain.slice(1);
  for (let depth = 0; depth < 8; depth++) {
    if (cur.fingerprint256 === ca.fingerprint256) return undefined;
    if (cur.checkIssued(ca)) {
      return cur.verify(ca.publicKey) ? undefined : `signature of ${commonName(cur.subject) ?? cur.subject} by the CA does not verify`;
    }
    const next = rest.find((c) => cur.checkIssued(c) && c.fingerprint256 !== cur.fingerprint256);
    if (!next) {
      return `chain ends at ${commonName(cur.issuer) ?? cur.issuer}, not at the configured CA ${commonName(ca.subject) ?? ca.subject}`;
    }
    if (!cur.verify(next.publicKey)) return `signature of ${commonName(cur.subject) ?? cur.subject} does not verify`;
    cur = next;
  }
  return 'chain too long';
}
