export { shannonEntropy, charClasses } from './entropy';
export { isStructuralKey, isReferenceKey, isPlaceholder, looksLikePathOrReference, isEncryptedByDesign, isIdentityValue } from './allowlist';
export type { SecretRule, RuleMatch, Severity } from './rules';
export { RULES, RULE_IDS, scanText, scanKeyValue, decodeJwt, isServiceAccountJwt, acceptGenericValue, severityOf } from './rules';
export type { SecretFinding, FoundSecret, SecretSource } from './findings';
export { SECRET_SOURCES, jsonPath, resourceLocation, toFound, describeFinding } from './findings';
export type { K8sObject, ScanOptions } from './sources';
export {
  scanConfigMap,
  scanEnvLiterals,
  scanAnnotations,
  scanLog,
  scanHelmRelease,
  decodeHelmRelease,
  encodeHelmRelease,
  isHelmRelease,
  walkStrings,
  podSpecPath,
  refOf,
  LAST_APPLIED,
  HelmReleaseError,
} from './sources';
export type { ScanUnit, TokenReviewResult } from './checks';
export { scanCheck, liveTokenCheck, automountCheck, accessObservation, tokenVolumes, unitId } from './checks';
export type { SecretsSpec } from './spec';
export { validateSecretsSpec, secretsSpec, SPEC_CHECKS } from './spec';
export { createSecretsFamily, reviewToken, registerSecretValues, SecretsProbeError, DEFAULT_LOG_TAIL_LINES, findingsOf, findingsSection } from './family';
