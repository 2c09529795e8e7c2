import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GO_INTERMEDIATE_TLS12 } from './ciphers';
import { TlsPrepareError } from './errors';

/** Name of the Traefik TLS option that requires a client certificate. */
export const MTLS_OPTION = 'tls-endpoints-mtls';
/** Fact: Traefik's watched dynamic configuration directory (local cluster). */
export const DYNAMIC_DIR_FACT = 'ingressDynamicDir';

/** The Traefik dynamic config of the mTLS option, the CA inline (a changed file content is reloaded). */
export function traefikMtlsConfig(caPem: string): string {
  const pem = caPem.trim().split('\n').map((l) => `            ${l}`).join('\n');
  return [
    '# Written by the tls-endpoints scenario (prepare): client-certificate TLS option of admin.example.com.',
    'tls:',
    '  options:',
    `    ${MTLS_OPTION}:`,
    '      minVersion: VersionTLS12',
    '      cipherSuites:',
    ...GO_INTERMEDIATE_TLS12.map((s) => `        - ${s}`),
    '      clientAuth:',
    '        clientAuthType: RequireAndVerifyClientCert',
    '        caFiles:',
    '          - |',
    pem,
    '',
  ].join('\n');
}

/** The file prepare writes into facts.ingressDynamicDir (undefined when the fact is not set). */
export function ingressConfigFile(facts: Record<string, string>, scenario: string): string | undefined {
  const dir = facts[DYNAMIC_DIR_FACT];
  return dir ? join(dir, `isoproof-${scenario}.yaml`) : undefined;
}

/** Writes the mTLS option atomically into the watched directory; returns the file (undefined without the fact). */
export async function writeIngressConfig(facts: Record<string, string>, scenario: string, caPem: string): Promise<string | undefined> {
  const file = ingressConfigFile(facts, scenario);
  if (!file) return undefined;
  try {
    await writeFile(`${file}.tmp`, traefikMtlsConfig(caPem));
    await rename(`${file}.tmp`, file);
    return file;
  } catch (err) {
    await rm(`${file}.tmp`, { force: true }).catch(() => undefined);
    throw new TlsPrepareError(`cannot write the ingress TLS option to ${file} (facts.${DYNAMIC_DIR_FACT}): ${(err as Error).message}`, { cause: err });
  }
}
