import { codedError } from '@isoproof/core';

/** The chosen provider cannot run on this host (kind missing, Docker down, local not built...). */
export class ProviderUnavailableError extends codedError('ISOPROOF_PROVIDER_UNAVAILABLE') {}

/** A provider command (kind create/delete/load/export) failed. */
export class ProviderCommandError extends codedError('ISOPROOF_PROVIDER_COMMAND') {}

/** Bad provider options (unknown provider name, invalid cluster name...). */
export class ProviderConfigError extends codedError('ISOPROOF_PROVIDER_CONFIG') {}
