import { IsoproofError } from '@isoproof/core';

/** The openssl CLI failed while the test CA issued a certificate. */
export class CertificateIssueError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_TLS_ISSUE', message, options);
  }
}

/** A TLS criterion's spec is invalid (unknown check, bad threshold). */
export class TlsSpecError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_TLS_SPEC', message, options);
  }
}
