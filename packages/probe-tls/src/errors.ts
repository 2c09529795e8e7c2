import { codedError } from '@isoproof/core';

/** The test CA could not issue a certificate (disposed CA, or the key or certificate could not be made). */
export class CertificateIssueError extends codedError('ISOPROOF_TLS_ISSUE') {}

/** prepare could not put the scenario's TLS material in place (e.g. the ingress TLS option file). */
export class TlsPrepareError extends codedError('ISOPROOF_TLS_PREPARE') {}
