export type { ClusterHandle, ClusterProvider, CreateOptions, ProviderName } from './types';
export { ProviderUnavailableError, ProviderCommandError, ProviderConfigError } from './errors';
export { KindProvider, DEFAULT_KIND_CLUSTER } from './kind/provider';
export { ExistingProvider } from './existing/index';
export { LocalProvider, parseLocalFacts } from './local/index';
export type { KindSettings, SelectOptions } from './select';
export { selectProvider } from './select';
export { infrastructureNamespaceObjects } from './infrastructure';
