import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ProviderConfigError } from '../errors';

/** kind cluster names become container and DNS names: lowercase DNS label. */
export function validateClusterName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$/.test(name)) {
    throw new ProviderConfigError(`cluster name "${name}" is invalid — use lowercase letters, digits and dashes (max 50)`);
  }
  return name;
}

/** Our kubeconfig directory: ~/.cache/isoproof/kind (XDG_CACHE_HOME respected). */
export function defaultKubeconfigDir(env: NodeJS.ProcessEnv = process.env, home = env.HOME || homedir()): string {
  const cache = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(cache, 'isoproof', 'kind');
}

export function kubeconfigFile(dir: string, name: string): string {
  return join(dir, `${name}.kubeconfig`);
}

export interface KindCreateSpec {
  name: string;
  kubeconfigPath: string;
  configPath?: string;
  nodeImage?: string;
  /** kind's --wait, default 120s. */
  wait?: string;
}

export function kindCreateArgs(s: KindCreateSpec): string[] {
  const args = ['create', 'cluster', '--name', s.name, '--kubeconfig', s.kubeconfigPath, '--wait', s.wait ?? '120s'];
  if (s.configPath) args.push('--config', s.configPath);
  if (s.nodeImage) args.push('--image', s.nodeImage);
  return args;
}

export function kindDeleteArgs(name: string, kubeconfigPath: string): string[] {
  return ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfigPath];
}

export function kindExportKubeconfigArgs(name: string, kubeconfigPath: string): string[] {
  return ['export', 'kubeconfig', '--name', name, '--kubeconfig', kubeconfigPath];
}

export function kindLoadArchiveArgs(name: string, archive: string): string[] {
  return ['load', 'image-archive', archive, '--name', name];
}

export function kindLoadDockerImageArgs(name: string, image: string): string[] {
  return ['load', 'docker-image', image, '--name', name];
}

export function kindExportLogsArgs(name: string, dir: string): string[] {
  return ['export', 'logs', dir, '--name', name];
}

/**
 * What of `kind export logs` stays out of the artifacts: every pod and container log (`<node>/pods/`,
 * `<node>/containers/`), since workloads may print live credentials there (the secret-hygiene
 * token-in-logs overlay prints a ServiceAccount token on purpose). Node logs (kubelet, containerd,
 * journal, inspect) are kept, through redaction.
 */
export function kindLogExcluded(rel: string, isDir: boolean): boolean {
  const parts = rel.split('/');
  // A directory named pods/containers below the top level, and everything under one.
  const at = parts.findIndex((p, i) => i > 0 && (p === 'pods' || p === 'containers') && (isDir || i < parts.length - 1));
  return at > 0;
}

export const KIND_LOGS_NOTE =
  'kind export logs, copied through redaction; pod and container logs (*/pods/*, */containers/*) are left out: workloads may print live credentials there.';

export function kindGetClustersArgs(): string[] {
  return ['get', 'clusters'];
}

export function kindGetNodesArgs(name: string): string[] {
  return ['get', 'nodes', '--name', name];
}

/** Cluster names from `kind get clusters` output (it prints "No kind clusters found." on stderr). */
export function parseClusterList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.includes(' '));
}

/**
 * Environment of every kind child process: the caller's, with KUBECONFIG pointing at our file so that
 * nothing kind or its helpers do can fall back to ~/.kube/config.
 */
export function kindEnv(base: NodeJS.ProcessEnv, kubeconfigPath: string): NodeJS.ProcessEnv {
  return { ...base, KUBECONFIG: kubeconfigPath };
}

/** Facts the probes get for a kind cluster. */
export function kindFacts(name: string, auditDir: string): Record<string, string> {
  return {
    provider: 'kind',
    clusterName: name,
    nodeContainer: `${name}-control-plane`,
    auditLogPath: join(auditDir, 'audit.log'),
    auditLogNodePath: '/var/log/kubernetes/audit.log',
  };
}

export const AUDIT_LOG_DIR_IN_NODE = '/var/log/kubernetes';
/** Traefik's directory in the kind node (static config + watched `dynamic/`), mounted from the host. */
export const TRAEFIK_DIR_IN_NODE = '/var/lib/isoproof/traefik';

interface PortMapping {
  containerPort?: number;
  hostPort?: number;
  listenAddress?: string;
  protocol?: string;
}
interface KindNode {
  role?: string;
  labels?: Record<string, string>;
  extraPortMappings?: PortMapping[];
  extraMounts?: Array<{ hostPath?: string; containerPath?: string }>;
}

/**
 * Ingress facts of a kind config (the kind ingress recipe): on the node labelled `ingress-ready=true`,
 * the host side of the mappings of container ports 443 and 80 becomes `ingressAddress` and
 * `ingressHttpAddress` ("listenAddress:hostPort", listenAddress defaulting to kind's 0.0.0.0, which
 * the probes reach through 127.0.0.1). No ingress-ready node: no facts. Pure.
 */
export function kindIngressFacts(text: string): Record<string, string> {
  const cfg = parseKindConfig(text);
  const node = (cfg.nodes ?? []).find((n) => n.labels?.['ingress-ready'] === 'true');
  if (!node) return {};
  return ingressFactsOf((containerPort) => {
    const m = (node.extraPortMappings ?? []).find((p) => p.containerPort === containerPort && (p.protocol ?? 'TCP').toUpperCase() === 'TCP');
    if (!m?.hostPort || m.hostPort < 0) return undefined;
    return { ip: !m.listenAddress || m.listenAddress === '0.0.0.0' ? '127.0.0.1' : m.listenAddress, port: String(m.hostPort) };
  });
}

/**
 * `ingressAddress` (container port 443) and `ingressHttpAddress` (80) from where each is published on
 * the host ("ip:port", "[ip]:port" for IPv6); a port `hostSide` does not know gives no fact.
 */
function ingressFactsOf(hostSide: (containerPort: number) => { ip: string; port: string } | undefined): Record<string, string> {
  const facts: Record<string, string> = {};
  const at = (containerPort: number): string | undefined => {
    const h = hostSide(containerPort);
    if (!h) return undefined;
    return h.ip.includes(':') ? `[${h.ip}]:${h.port}` : `${h.ip}:${h.port}`;
  };
  const https = at(443);
  const http = at(80);
  if (https) facts.ingressAddress = https;
  if (http) facts.ingressHttpAddress = http;
  return facts;
}

/**
 * Whether the kind config mounts Traefik's directory into its ingress-ready node (then the provider
 * installs Traefik there and reports `ingressDynamicDir`). Pure.
 */
export function kindConfigMountsTraefik(text: string): boolean {
  const node = (parseKindConfig(text).nodes ?? []).find((n) => n.labels?.['ingress-ready'] === 'true');
  return !!node?.extraMounts?.some((m) => m.containerPath === TRAEFIK_DIR_IN_NODE);
}

function parseKindConfig(text: string): { kind?: string; nodes?: KindNode[] } {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ProviderConfigError(`kind config: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const cfg = doc.toJS() as { kind?: string; nodes?: KindNode[] } | null;
  if (cfg?.kind !== 'Cluster') throw new ProviderConfigError('kind config: kind must be Cluster (kind.x-k8s.io/v1alpha4)');
  return cfg;
}

/** A port mapping whose host port the provider chooses: hostPort 0 or absent (TCP or UDP). */
function autoHostPort(p: PortMapping): boolean {
  return !p.hostPort;
}

/** How many host ports of the config the provider must choose (mappings with hostPort 0 or none). Pure. */
export function autoHostPortCount(text: string): number {
  return (parseKindConfig(text).nodes ?? []).reduce((n, node) => n + (node.extraPortMappings ?? []).filter(autoHostPort).length, 0);
}

/** The host ports the local provider's Traefik holds on 127.0.0.1: never chosen for a kind cluster. */
export const LOCAL_PROVIDER_INGRESS_PORTS: readonly number[] = [18080, 18443];

/**
 * Render a kind config for one cluster: relative extraMounts hostPaths are resolved against the
 * config file's directory (kind would resolve them against its cwd), the mounts of the audit log
 * directory and (with `traefikDir`) of Traefik's directory are pointed at this cluster's own host
 * directories, and every port mapping without a host port (0 or absent) gets the next of `freePorts`
 * (the provider picks free loopback ports, so two clusters, or kind and the local provider, never
 * clash). Pure; throws when `freePorts` runs short.
 */
export function renderKindConfig(text: string, o: { configDir: string; auditDir: string; traefikDir?: string; freePorts?: number[] }): string {
  const cfg = parseKindConfig(text);
  const ports = [...(o.freePorts ?? [])];
  for (const node of cfg.nodes ?? []) {
    for (const m of node.extraMounts ?? []) {
      if (m.containerPath === AUDIT_LOG_DIR_IN_NODE) m.hostPath = o.auditDir;
      else if (m.containerPath === TRAEFIK_DIR_IN_NODE && o.traefikDir) m.hostPath = o.traefikDir;
      else if (m.hostPath && !isAbsolute(m.hostPath)) m.hostPath = resolve(o.configDir, m.hostPath);
    }
    for (const p of node.extraPortMappings ?? []) {
      if (!autoHostPort(p)) continue;
      const port = ports.shift();
      if (port === undefined) throw new ProviderConfigError('kind config: more port mappings without a hostPort than free ports chosen');
      p.hostPort = port;
    }
  }
  return JSON.stringify(cfg, null, 2) + '\n';
}

/**
 * Container names of a config's nodes, in config order, as kind names them: `<cluster>-control-plane`,
 * `<cluster>-control-plane2`, ..., `<cluster>-worker`, `<cluster>-worker2`, ... (no config: one
 * control plane). Pure.
 */
export function kindNodeContainers(cluster: string, text?: string): string[] {
  const nodes = text ? (parseKindConfig(text).nodes ?? []) : [];
  if (nodes.length === 0) return [`${cluster}-control-plane`];
  const seen: Record<string, number> = {};
  return nodes.map((n) => {
    const role = n.role === 'worker' ? 'worker' : 'control-plane';
    const i = (seen[role] = (seen[role] ?? 0) + 1);
    return `${cluster}-${role}${i > 1 ? i : ''}`;
  });
}

/** The container of the config's ingress-ready node (label `ingress-ready=true`), if any. Pure. */
export function kindIngressNodeContainer(cluster: string, text: string): string | undefined {
  const nodes = parseKindConfig(text).nodes ?? [];
  const i = nodes.findIndex((n) => n.labels?.['ingress-ready'] === 'true');
  return i < 0 ? undefined : kindNodeContainers(cluster, text)[i];
}

/**
 * Ingress facts from a node container's published ports (`docker inspect` NetworkSettings.Ports:
 * {"443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "41234"}]}): what is really bound, whatever the
 * config said. 0.0.0.0 and :: are reached through loopback. Pure.
 */
export function kindIngressFactsFromPorts(ports: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null | undefined): Record<string, string> {
  return ingressFactsOf((containerPort) => {
    const b = (ports?.[`${containerPort}/tcp`] ?? []).find((x) => x.HostPort && /^\d+$/.test(x.HostPort));
    if (!b?.HostPort) return undefined;
    return { ip: !b.HostIp || b.HostIp === '0.0.0.0' || b.HostIp === '::' ? '127.0.0.1' : b.HostIp, port: b.HostPort };
  });
}
