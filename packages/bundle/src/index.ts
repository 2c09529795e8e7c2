export { createBundle } from './create';
export type { CreateBundleOptions, CreateBundleResult } from './create';
export { verifyBundle } from './verify';
export type { VerifyResult } from './verify';
export { recordInvocation } from './invocation';
export { BundleError, BundleVersionError } from './errors';
