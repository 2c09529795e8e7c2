import { IsoproofError } from '@isoproof/core';

/** The chosen provider cannot run on this host (kind missing, Docker down, local not built...). */
export class ProviderUnavailableError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_PROVIDER_UNAVAILABLE', message, options);
  }
}

/** A provider command (kind create/delete/load/export) failed. */
export class ProviderCommandError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_PROVIDER_COMMAND', message, options);
  }
}

/** Bad provider options (unknown provider name, invalid cluster name...). */
export class ProviderConfigError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_PROVIDER_CONFIG', message, options);
  }
}
