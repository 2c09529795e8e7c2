import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbeContext, ScenarioDefinition } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import { createTlsProbe } from '@isoproof/probe-tls';
import { cleanupTls, prepareTls, type TlsScenarioState } from './prepare';

export {
  planSecrets,
  issueFor,
  traefikMtlsConfig,
  prepareTls,
  cleanupTls,
  ingressConfigFile,
  TEST_CERT_ANNOTATION,
  CERT_PROFILES,
  WRONG_HOST,
  CLIENT_CA_SECRET,
  MTLS_OPTION,
  DYNAMIC_DIR_FACT,
} from './prepare';
export type { CertProfile, PlannedSecret, TlsScenarioState, PrepareOptions } from './prepare';

const NAME = 'tls-endpoints';

/** The test CA and client certificate of this process's runs (prepare fills it, the probe reads it). */
export const tlsState: TlsScenarioState = {};

export const scenario: ScenarioDefinition = {
  name: NAME,
  description:
    "TLS on every public endpoint (001 US-INFRA-04): 003's e-commerce Ingress with spec.tls, HTTP->HTTPS redirect, HSTS and a client-certificate back-office, verified live through the ingress with SNI (protocols, Mozilla intermediate suites, chain to the scenario's test CA, SAN, expiry, key, signature)",
  dir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  families: [
    createTlsProbe({
      ca: () => tlsState.ca?.certPem,
      clientCertificate: () => (tlsState.client ? { certPem: tlsState.client.certPem, keyPem: tlsState.client.keyPem } : undefined),
    }),
  ],
  prepare: (ctx: ProbeContext) => prepareTls(ctx, tlsState, { redactor: defaultRedactor, scenario: NAME }),
  // prepare writes the mTLS option into the controller's watched directory (outside the cluster).
  cleanup: () => cleanupTls(tlsState),
};
