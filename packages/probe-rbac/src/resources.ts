/**
 * The API resources the RBAC probes know: where they live (group/version), whether they are
 * namespaced, and their kind (for dry-run bodies and evidence). A resource string is
 * `<resource>` or `<resource>/<subresource>` (e.g. `pods/exec`, `serviceaccounts/token`).
 */
export interface ResourceInfo {
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespaced: boolean;
  kind: string;
}

const TABLE: Record<string, Omit<ResourceInfo, 'resource' | 'subresource'>> = {
  pods: { group: '', version: 'v1', namespaced: true, kind: 'Pod' },
  secrets: { group: '', version: 'v1', namespaced: true, kind: 'Secret' },
  configmaps: { group: '', version: 'v1', namespaced: true, kind: 'ConfigMap' },
  services: { group: '', version: 'v1', namespaced: true, kind: 'Service' },
  endpoints: { group: '', version: 'v1', namespaced: true, kind: 'Endpoints' },
  serviceaccounts: { group: '', version: 'v1', namespaced: true, kind: 'ServiceAccount' },
  events: { group: '', version: 'v1', namespaced: true, kind: 'Event' },
  persistentvolumeclaims: { group: '', version: 'v1', namespaced: true, kind: 'PersistentVolumeClaim' },
  namespaces: { group: '', version: 'v1', namespaced: false, kind: 'Namespace' },
  nodes: { group: '', version: 'v1', namespaced: false, kind: 'Node' },
  deployments: { group: 'apps', version: 'v1', namespaced: true, kind: 'Deployment' },
  statefulsets: { group: 'apps', version: 'v1', namespaced: true, kind: 'StatefulSet' },
  daemonsets: { group: 'apps', version: 'v1', namespaced: true, kind: 'DaemonSet' },
  jobs: { group: 'batch', version: 'v1', namespaced: true, kind: 'Job' },
  networkpolicies: { group: 'networking.k8s.io', version: 'v1', namespaced: true, kind: 'NetworkPolicy' },
  ingresses: { group: 'networking.k8s.io', version: 'v1', namespaced: true, kind: 'Ingress' },
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: true, kind: 'Role' },
  rolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: true, kind: 'RoleBinding' },
  clusterroles: { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: false, kind: 'ClusterRole' },
  clusterrolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: false, kind: 'ClusterRoleBinding' },
};

/** Subresources that are known and meaningful to probe. */
const SUBRESOURCES: Record<string, string[]> = {
  pods: ['exec', 'attach', 'portforward', 'log', 'status', 'ephemeralcontainers'],
  serviceaccounts: ['token'],
  deployments: ['scale', 'status'],
};

export function knownResources(): string[] {
  const out: string[] = [];
  for (const r of Object.keys(TABLE)) {
    out.push(r);
    for (const s of SUBRESOURCES[r] ?? []) out.push(`${r}/${s}`);
  }
  return out;
}

/** Looks up `resource` or `resource/subresource`; undefined when unknown. */
export function resourceInfo(spec: string): ResourceInfo | undefined {
  const [resource, subresource, extra] = spec.split('/');
  if (!resource || extra !== undefined) return undefined;
  const base = TABLE[resource];
  if (!base) return undefined;
  if (subresource !== undefined && !(SUBRESOURCES[resource] ?? []).includes(subresource)) return undefined;
  return subresource === undefined ? { ...base, resource } : { ...base, resource, subresource };
}

/** API path of a collection (no name) or of one object (name), with the subresource when set. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const prefix = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  let p = `${prefix}${ns}/${info.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (info.subresource && name !== undefined) p += `/${info.subresource}`;
  return p;
}

export function apiVersionOf(info: ResourceInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** `secrets`, `pods/exec`, `deployments.apps` style label used in tables and check ids. */
export function resourceLabel(info: ResourceInfo): string {
  const r = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  return r;
}
