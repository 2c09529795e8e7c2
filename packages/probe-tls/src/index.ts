export type { KeySpec, Digest, IssueOptions, IssuedCertificate, TestCaOptions } from './test-ca';
export { TestCa, generateKeyPem, opensslDate } from './test-ca';
export { CertificateIssueError, TlsSpecError } from './errors';
export type { Address, AttemptClass, HandshakeOptions, HandshakeResult, HttpOptions, HttpResult } from './handshake';
export { handshake, httpGet, parseAddress, formatAddress } from './handshake';
export {
  MOZILLA_INTERMEDIATE_TLS12,
  MOZILLA_INTERMEDIATE_TLS13,
  WEAK_TLS12_CANDIDATES,
  TLS12_CANDIDATES,
  disallowedSuites,
} from './ciphers';
export type { Aspect, ClientCertificate, HostInspection, InspectRequest, Limiter } from './inspect';
export { inspectHost, createLimiter, PROTOCOLS } from './inspect';
export type { TlsCheckKind, TlsSpec, CheckInput } from './checks';
export { TLS_CHECKS, DEFAULTS, specProblems, parseSpec, hostMatches, selectTargets, observe, parseHstsMaxAge } from './checks';
export type { TlsTarget, EnumerationNote } from './targets';
export {
  ingressTargets,
  mergeTargets,
  serviceTargets,
  targetKey,
  discoverTargets,
  scenarioNamespaces,
  PUBLIC_ANNOTATION,
  TLS_HOST_ANNOTATION,
  TLS_PORT_ANNOTATION,
} from './targets';
export type { KeyFacts, KeyPolicy } from './x509';
export { signatureAlgorithm, isWeakSignature, keyFacts, keyWeakness, chainToCa, sanDnsNames, DEFAULT_KEY_POLICY } from './x509';
export type { TlsProbeFamily, TlsProbeOptions, TlsProbeRun } from './probe';
export { createTlsProbe, FACTS } from './probe';
export { hostTable } from './report';
export type { ConfiguredEndpoint } from './endpoints';
export { ENDPOINTS_FACT, parseEndpoints, endpointTargets } from './endpoints';
