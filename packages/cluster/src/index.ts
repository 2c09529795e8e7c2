export type { ClusterHandle, ClusterProvider, CreateOptions, ProviderName } from './types';
export { CLUSTER_PREFIX } from './types';
export { ProviderUnavailableError, ProviderCommandError, ProviderConfigError } from './errors';
export { KindProvider, DEFAULT_KIND_CONFIG, DEFAULT_KIND_CLUSTER } from './kind/provider';
export { prepareAuditLog } from './kind/audit-log';
export { freePorts } from './kind/free-ports';
export {
  kindCreateArgs,
  kindDeleteArgs,
  kindExportKubeconfigArgs,
  kindLoadArchiveArgs,
  kindExportLogsArgs,
  kindGetClustersArgs,
  kindEnv,
  kindFacts,
  renderKindConfig,
  kindConfigMountsTraefik,
  kindLoadDockerImageArgs,
  kindGetNodesArgs,
  kindNodeContainers,
  kindIngressNodeContainer,
  kindIngressFactsFromPorts,
  autoHostPortCount,
  LOCAL_PROVIDER_INGRESS_PORTS,
  parseClusterList,
  defaultKubeconfigDir,
  validateClusterName,
} from './kind/args';
export {
  renderInClusterTraefikConfig,
  kindTraefikObjects,
  kindTraefikFacts,
  traefikImage,
  prepareTraefikDir,
  KIND_TRAEFIK_MANIFEST,
  LOCAL_INGRESS_DIR,
  TRAEFIK_POD_PORTS,
} from './kind/ingress';
export { ExternalListener, sweepExternalListeners, EXTERNAL_LISTENER_IMAGE } from './kind/external-listener';
export { ExistingProvider } from './existing/index';
export { LocalProvider, parseLocalFacts } from './local/index';
export type { ProviderInputs, SelectOptions, KindSettings } from './select';
export { decideProvider, selectProvider, dockerUsable, kindOnPath, PROVIDER_NAMES, resolveKindSettings, KIND_ENV } from './select';
export { NodeImageLoader, projectImages, readProjectImages, normalizeImageRef, archiveTags, dockerSaveArgs, linuxPlatform, pullable } from './kind/images';
export type { ImageSource } from './kind/images';
export { INFRASTRUCTURE_NAMESPACES, infrastructureNamespaceObjects, allInfrastructureNamespaces } from './infrastructure';
