import 'reflect-metadata'; // @peculiar/x509 needs the Reflect metadata polyfill loaded first
import { KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Redactor } from '@isoproof/core';
import { CertificateIssueError } from './errors';

/**
 * A throw-away certificate authority for tests and scenarios, in process: keys from Node's WebCrypto,
 * certificates built and signed by @peculiar/x509. Issuances are independent and may run concurrently.
 */
export type KeySpec = { type: 'rsa'; bits: number } | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' };

export type Digest = 'sha256' | 'sha384' | 'sha512' | 'sha1';

export interface IssueOptions {
  commonName: string;
  /** subjectAltName DNS entries (default: [commonName]). An empty array gives a certificate without SAN. */
  dnsNames?: string[];
  key?: KeySpec;
  notBefore?: Date;
  notAfter?: Date;
  digest?: Digest;
  usage?: 'server' | 'client' | 'both';
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** The leaf followed by the CA certificate. */
  chainPem: string;
  notBefore: Date;
  notAfter: Date;
  serial: string;
}

export interface TestCaOptions {
  commonName?: string;
  key?: KeySpec;
  /** Validity of the CA certificate in days (default 3650). */
  days?: number;
  /** Every private key created is registered here (scrubbed from reports). */
  redactor?: Redactor;
}

const DAY_MS = 86_400_000;
const { subtle } = webcrypto;
/** Node's WebCrypto, typed as the one @peculiar/x509 takes. */
const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1];
type CryptoKey = webcrypto.CryptoKey;
const HASH: Record<Digest, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

/** How a key of `spec` signs with `digest`: the WebCrypto algorithm to import it with, and to sign with. */
function signing(spec: KeySpec, digest: Digest): { key: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams; sign: webcrypto.EcdsaParams | webcrypto.Algorithm } {
  const hash = HASH[digest];
  return spec.type === 'rsa'
    ? { key: { name: 'RSASSA-PKCS1-v1_5', hash }, sign: { name: 'RSASSA-PKCS1-v1_5' } }
    : { key: { name: 'ECDSA', namedCurve: spec.curve }, sign: { name: 'ECDSA', hash } };
}

function generateKeys(spec: KeySpec): Promise<webcrypto.CryptoKeyPair> {
  const { key } = signing(spec, 'sha256');
  const params = spec.type === 'rsa' ? { ...key, modulusLength: spec.bits, publicExponent: new Uint8Array([1, 0, 1]) } : key;
  return subtle.generateKey(params, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}

function pkcs8Pem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** A positive 64-bit serial number, hex. */
function randomSerial(): string {
  return randomBytes(8).toString('hex').replace(/^[89a-f]/, '1');
}

function subject(commonName: string): x509.JsonName {
  return [{ O: ['isoproof'] }, { CN: [commonName] }];
}

export class TestCa implements AsyncDisposable {
  readonly certPem: string;
  readonly commonName: string;
  private disposed = false;

  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly key: { spec: KeySpec; pkcs8: ArrayBuffer },
    commonName: string,
    private readonly redactor: Redactor | undefined,
  ) {
    this.certPem = `${cert.toString('pem')}\n`;
    this.commonName = commonName;
  }

  static async create(opts: TestCaOptions = {}): Promise<TestCa> {
    const commonName = opts.commonName ?? `isoproof test CA ${randomBytes(3).toString('hex')}`;
    const spec = opts.key ?? { type: 'ec', curve: 'P-256' };
    const keys = await generateKeys(spec);
    opts.redactor?.register(pkcs8Pem(keys.privateKey));
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: randomSerial(),
        name: subject(commonName),
        notBefore: new Date(now),
        notAfter: new Date(now + (opts.days ?? 3650) * DAY_MS),
        keys,
        signingAlgorithm: signing(spec, 'sha256').sign,
        extensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        ],
      },
      crypto,
    );
    return new TestCa(cert, { spec, pkcs8: await subtle.exportKey('pkcs8', keys.privateKey) }, commonName, opts.redactor);
  }

  get certificate(): X509Certificate {
    return new X509Certificate(this.certPem);
  }

  /** Issues a leaf certificate signed by this CA. */
  async issue(o: IssueOptions): Promise<IssuedCertificate> {
    if (this.disposed) throw new CertificateIssueError(`test CA ${this.commonName} was disposed; create a new one`);
    const now = Date.now();
    const notBefore = o.notBefore ?? new Date(now - 3_600_000);
    const notAfter = o.notAfter ?? new Date(now + 90 * DAY_MS);
    const dnsNames = o.dnsNames ?? [o.commonName];
    const digest = o.digest ?? 'sha256';
    const serial = randomSerial();
    try {
      const spec = o.key ?? { type: 'rsa', bits: 2048 };
      const keys = await generateKeys(spec);
      const keyPem = pkcs8Pem(keys.privateKey);
      this.redactor?.register(keyPem);
      const caSigning = signing(this.key.spec, digest);
      const signingKey = await subtle.importKey('pkcs8', this.key.pkcs8, caSigning.key, false, ['sign']);
      const { serverAuth, clientAuth } = x509.ExtendedKeyUsage;
      const eku = o.usage === 'client' ? [clientAuth] : o.usage === 'both' ? [serverAuth, clientAuth] : [serverAuth];
      const F = x509.KeyUsageFlags;
      const leaf = await x509.X509CertificateGenerator.create(
        {
          serialNumber: serial,
          subject: subject(o.commonName),
          issuer: this.cert.subjectName,
          notBefore,
          notAfter,
          publicKey: keys.publicKey,
          signingKey,
          signingAlgorithm: caSigning.sign,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(spec.type === 'ec' ? F.digitalSignature : F.digitalSignature | F.keyEncipherment, true),
            new x509.ExtendedKeyUsageExtension(eku),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
            await x509.AuthorityKeyIdentifierExtension.create(this.cert.publicKey, false, crypto),
            ...(dnsNames.length ? [new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value })))] : []),
          ],
        },
        crypto,
      );
      const certPem = `${leaf.toString('pem')}\n`;
      return { certPem, keyPem, chainPem: certPem + this.certPem, notBefore, notAfter, serial };
    } catch (err) {
      throw new CertificateIssueError(`cannot issue a certificate for ${o.commonName}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** A valid server certificate (RSA 2048, SHA-256, 90 days) for the hosts. */
  issueServer(host: string, more: string[] = [], o: Partial<IssueOptions> = {}): Promise<IssuedCertificate> {
    return this.issue({ commonName: host, dnsNames: [host, ...more], ...o });
  }

  /** A server certificate that expired a day ago (issued 31 days ago). */
  issueExpired(host: string, more: string[] = []): Promise<IssuedCertificate> {
    const now = Date.now();
    return this.issueServer(host, more, { notBefore: new Date(now - 31 * DAY_MS), notAfter: new Date(now - DAY_MS) });
  }

  /** A server certificate valid for another host than `host` (SAN and CN name `otherHost`). */
  issueWrongHost(otherHost: string): Promise<IssuedCertificate> {
    return this.issueServer(otherHost);
  }

  /** A server certificate expiring in `days` days. */
  issueExpiringIn(host: string, days: number): Promise<IssuedCertificate> {
    return this.issueServer(host, [], { notAfter: new Date(Date.now() + days * DAY_MS) });
  }

  issueRsa1024(host: string): Promise<IssuedCertificate> {
    return this.issueServer(host, [], { key: { type: 'rsa', bits: 1024 } });
  }

  issueSha1(host: string): Promise<IssuedCertificate> {
    return this.issueServer(host, [], { digest: 'sha1' });
  }

  /** A client certificate (extendedKeyUsage clientAuth) for mTLS. */
  issueClient(commonName: string): Promise<IssuedCertificate> {
    return this.issue({ commonName, dnsNames: [], usage: 'client', key: { type: 'ec', curve: 'P-256' } });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed = true;
  }
}
