import { codedError } from '@isoproof/core';

/** Bad input to bundle or verify (missing directory or file, no report, not a gzip file): exit 2. */
export class BundleError extends codedError('ISOPROOF_BUNDLE') {}

/** The bundle's report was written by another report schema version: exit 2, not tampering. */
export class BundleVersionError extends codedError('ISOPROOF_REPORT_VERSION') {}
