// The public API: what other packages, scenarios and CI import. Tests import internals by path.
export { createTlsProbe } from './probe';
export type { TlsTarget } from './targets';
export { ingressTargets, mergeTargets } from './targets';
export { MOZILLA_INTERMEDIATE_TLS12 } from './ciphers';
export { handshake } from './handshake';
export { signatureAlgorithm } from './x509';
export type { IssuedCertificate } from './test-ca';
export { TestCa } from './test-ca';
export { CERT_PROFILES, issueFor, planSecrets, WRONG_HOST } from './certificate-plan';
export { DYNAMIC_DIR_FACT, ingressConfigFile, MTLS_OPTION, traefikMtlsConfig } from './traefik-option';
export { ScenarioCertificates } from './scenario-certificates';
