export { createBundle, sumsText, sha256, SUMS_FILE, PROVENANCE_FILE, REPORT_FILE, REPORT_FILES } from './create';
export type { CreateBundleOptions, CreateBundleResult } from './create';
export { verifyBundle } from './verify';
export type { VerifyResult } from './verify';
export { collectProvenance, parseEnvFile, PROVENANCE_VERSION } from './provenance';
export type { Provenance, ProvenanceInput, WaiverInForce } from './provenance';
export { recordInvocation, readInvocation, commandLine, shellQuote, INVOCATION_FILE } from './invocation';
export type { Invocation } from './invocation';
export { BundleError, BundleVersionError } from './errors';
