import { IsoproofError } from '@isoproof/core';

/** Bad input to bundle or verify (missing directory or file, no report, not a gzip file): exit 2. */
export class BundleError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_BUNDLE', message, options);
  }
}

/** The bundle's report was written by another report schema version: exit 2, not tampering. */
export class BundleVersionError extends IsoproofError {
  constructor(message: string) {
    super('ISOPROOF_REPORT_VERSION', message);
  }
}
