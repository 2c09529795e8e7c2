export { main } from './main';
export type { Io, ProviderName } from './main';
export { COMMANDS, commandHelp, topHelp, EXIT_CODES_HELP } from './spec';
export type { CommandSpec, FlagSpec } from './spec';
export { UsageError, formatError } from './errors';
