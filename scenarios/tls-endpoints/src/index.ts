import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioDefinition } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import { createTlsProbe, ScenarioCertificates } from '@isoproof/probe-tls';

const NAME = 'tls-endpoints';

/** The test CA and client certificate of this process's runs (prepare makes them, the probe reads them). */
const certificates = new ScenarioCertificates({ redactor: defaultRedactor, scenario: NAME });

export const scenario: ScenarioDefinition = {
  name: NAME,
  description:
    "TLS on every public endpoint (001 US-INFRA-04): 003's e-commerce Ingress with spec.tls, HTTP->HTTPS redirect, HSTS and a client-certificate back-office, verified live through the ingress with SNI (protocols, Mozilla intermediate suites, chain to the scenario's test CA, SAN, expiry, key, signature)",
  dir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  families: [createTlsProbe({ ca: () => certificates.caPem(), clientCertificate: () => certificates.clientCertificate() })],
  prepare: (ctx) => certificates.prepare(ctx),
  // prepare writes the mTLS option into the controller's watched directory (outside the cluster).
  cleanup: () => certificates.cleanup(),
};
