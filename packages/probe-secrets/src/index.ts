export type { SecretSource } from './findings';
export type { K8sObject } from './sources';
export { scanConfigMap } from './scan-configmap';
export { scanEnvLiterals } from './scan-env';
export { scanAnnotations } from './scan-annotations';
export { decodeHelmRelease, isHelmRelease, scanHelmRelease } from './scan-helm';
export { validateSecretsSpec } from './spec';
export { createSecretsFamily } from './family';
