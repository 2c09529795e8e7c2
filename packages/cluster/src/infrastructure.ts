/**
 * Namespaces that belong to the clusters themselves, not to a scenario: Kubernetes' own, the kind
 * provider's (its Traefik, kind's local-path provisioner) and the local provider's. A scenario never
 * applies into one of them: its forced server-side apply would adopt the namespace and its prune or
 * cleanup would then delete the infrastructure inside (this happened with the kind Traefik namespace,
 * once named like a scenario namespace). run's planning refuses such a scenario; a repository test
 * checks every manifest under scenarios/ and that this list covers clusters/kind and clusters/local.
 */
export const INFRASTRUCTURE_NAMESPACES = {
  kubernetes: ['default', 'kube-system', 'kube-public', 'kube-node-lease'],
  kind: ['isoproof-system', 'local-path-storage'],
  local: ['isoproof-selfcheck'],
} as const satisfies Record<string, readonly string[]>;

export function allInfrastructureNamespaces(): Set<string> {
  return new Set(Object.values(INFRASTRUCTURE_NAMESPACES).flat());
}

interface ObjectLike {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/**
 * The objects of `objects` that are an infrastructure Namespace or live in an infrastructure
 * namespace, as "Namespace/<name>" or "<Kind> <namespace>/<name>". Pure.
 */
export function infrastructureNamespaceObjects(objects: ObjectLike[], infra: Set<string> = allInfrastructureNamespaces()): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const name = o.metadata?.name ?? '?';
    if (o.kind === 'Namespace' && infra.has(name)) out.push(`Namespace/${name}`);
    else if (o.metadata?.namespace && infra.has(o.metadata.namespace)) out.push(`${o.kind ?? '?'} ${o.metadata.namespace}/${name}`);
  }
  return out;
}
