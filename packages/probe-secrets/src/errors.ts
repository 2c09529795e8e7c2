import { codedError } from '@isoproof/core';

/** The secrets probe cannot run a criterion: an unreadable namespace, an invalid spec, too large an access matrix. */
export class SecretsProbeError extends codedError('ISOPROOF_SECRETS_PROBE') {}

/** A Helm release payload that is not base64 (gzip) JSON. */
export class HelmReleaseError extends codedError('ISOPROOF_HELM_RELEASE') {}
