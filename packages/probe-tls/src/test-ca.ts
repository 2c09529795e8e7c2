import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redactor } from '@isoproof/core';
import { CertificateIssueError } from './errors';

const run = promisify(execFile);
const generate = promisify(generateKeyPair);

/**
 * A throw-away certificate authority for tests and scenarios. node:crypto cannot sign X.509, so this
 * drives the `openssl` CLI with files in a private temp dir (0700, removed on dispose). Each issuance
 * gets its own openssl `ca` database, so issuances may run concurrently.
 */
export type KeySpec = { type: 'rsa'; bits: number } | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' };

export type Digest = 'sha256' | 'sha384' | 'sha512' | 'sha1' | 'md5';

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

async function openssl(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run('openssl', args, { cwd, timeout: 20_000, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; code?: string | number; message?: string };
    if (e.code === 'ENOENT') {
      throw new CertificateIssueError('openssl not found on PATH: install it (apt-get install openssl)', { cause: err });
    }
    const detail = (e.stderr ?? e.message ?? '').toString().trim().split('\n').slice(-2).join(' | ');
    throw new CertificateIssueError(`openssl ${args[0]} failed: ${detail}`, { cause: err });
  }
}

export async function generateKeyPem(spec: KeySpec): Promise<string> {
  if (spec.type === 'rsa') {
    const { privateKey } = await generate('rsa', {
      modulusLength: spec.bits,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    return privateKey;
  }
  const { privateKey } = await generate('ec', {
    namedCurve: spec.curve,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return privateKey;
}

/** openssl `ca -startdate/-enddate` form: YYYYMMDDHHMMSSZ. */
export function opensslDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

function dnValue(s: string): string {
  return s.replace(/[/=+\\]/g, (c) => `\\${c}`);
}

export class TestCa implements AsyncDisposable {
  readonly certPem: string;
  readonly commonName: string;
  private readonly keyPem: string;
  private readonly dir: string;
  private readonly redactor: Redactor | undefined;
  private disposed = false;

  private constructor(dir: string, certPem: string, keyPem: string, commonName: string, redactor?: Redactor) {
    this.dir = dir;
    this.certPem = certPem;
    this.keyPem = keyPem;
    this.commonName = commonName;
    this.redactor = redactor;
  }

  static async create(opts: TestCaOptions = {}): Promise<TestCa> {
    const commonName = opts.commonName ?? `isoproof test CA ${randomBytes(3).toString('hex')}`;
    const dir = await mkdtemp(join(tmpdir(), 'isoproof-ca-'));
    try {
      const keyPem = await generateKeyPem(opts.key ?? { type: 'ec', curve: 'P-256' });
      opts.redactor?.register(keyPem);
      await writeFile(join(dir, 'ca.key'), keyPem, { mode: 0o600 });
      await openssl(
        [
          'req', '-x509', '-new', '-key', 'ca.key', '-sha256',
          '-days', String(opts.days ?? 3650),
          '-subj', `/O=isoproof/CN=${dnValue(commonName)}`,
          '-addext', 'basicConstraints=critical,CA:TRUE',
          '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
          '-addext', 'subjectKeyIdentifier=hash',
          '-out', 'ca.pem',
        ],
        dir,
      );
      const certPem = await readFile(join(dir, 'ca.pem'), 'utf8');
      return new TestCa(dir, certPem, keyPem, commonName, opts.redactor);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
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
    const work = await mkdtemp(join(this.dir, 'issue-'));
    try {
      const keyPem = await generateKeyPem(o.key ?? { type: 'rsa', bits: 2048 });
      this.redactor?.register(keyPem);
      const serial = randomBytes(8).toString('hex').replace(/^[89a-f]/, '1');
      const eku = o.usage === 'client' ? 'clientAuth' : o.usage === 'both' ? 'serverAuth,clientAuth' : 'serverAuth';
      const keyUsage = o.key?.type === 'ec' ? 'digitalSignature' : 'digitalSignature,keyEncipherment';
      const ext = [
        '[leaf]',
        'basicConstraints = critical,CA:FALSE',
        `keyUsage = critical,${keyUsage}`,
        `extendedKeyUsage = ${eku}`,
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        ...(dnsNames.length ? [`subjectAltName = ${dnsNames.map((n) => `DNS:${n}`).join(',')}`] : []),
        '',
      ].join('\n');
      const conf = [
        '[ca]',
        'default_ca = isoproof',
        '[isoproof]',
        `database = ${join(work, 'index.txt')}`,
        `new_certs_dir = ${work}`,
        `serial = ${join(work, 'serial')}`,
        'unique_subject = no',
        'copy_extensions = none',
        'email_in_dn = no',
        'policy = anything',
        '[anything]',
        'organizationName = optional',
        'commonName = supplied',
        '',
      ].join('\n');
      await Promise.all([
        writeFile(join(work, 'leaf.key'), keyPem, { mode: 0o600 }),
        writeFile(join(work, 'ext.cnf'), ext),
        writeFile(join(work, 'ca.cnf'), conf),
        writeFile(join(work, 'index.txt'), ''),
        writeFile(join(work, 'serial'), `${serial}\n`),
      ]);
      const subj = `/O=isoproof/CN=${dnValue(o.commonName)}`;
      await openssl(['req', '-new', '-key', 'leaf.key', '-subj', subj, '-out', 'leaf.csr'], work);
      await openssl(
        [
          'ca', '-batch', '-notext', '-config', 'ca.cnf',
          '-cert', join(this.dir, 'ca.pem'), '-keyfile', join(this.dir, 'ca.key'),
          '-in', 'leaf.csr', '-out', 'leaf.pem', '-subj', subj,
          '-md', o.digest ?? 'sha256',
          '-startdate', opensslDate(notBefore), '-enddate', opensslDate(notAfter),
          '-extfile', 'ext.cnf', '-extensions', 'leaf',
        ],
        work,
      );
      const raw = await readFile(join(work, 'leaf.pem'), 'utf8');
      const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(raw);
      if (!m) throw new CertificateIssueError(`openssl ca wrote no certificate for ${o.commonName}`);
      const certPem = m[0].endsWith('\n') ? m[0] : `${m[0]}\n`;
      return { certPem, keyPem, chainPem: certPem + this.certPem, notBefore, notAfter, serial };
    } finally {
      await rm(work, { recursive: true, force: true });
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
    await rm(this.dir, { recursive: true, force: true });
  }
}
