import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import type { V1NetworkPolicy, V1Pod, V1Service } from '@kubernetes/client-node';
import type { KubeHandle } from '@isoproof/kube';
import type { NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, Protocol, SimPod, SimService, Snapshot } from './types';

/** Converts client-node objects to the simulator's plain shapes (pure). */
export function podFromApi(p: V1Pod): SimPod | undefined {
  const ip = p.status?.podIP;
  if (!p.metadata?.name || !p.metadata.namespace || !ip) return undefined;
  const containers = p.spec?.containers ?? [];
  return {
    namespace: p.metadata.namespace,
    name: p.metadata.name,
    labels: p.metadata.labels ?? {},
    ip,
    containers: containers.map((c) => c.name),
    ports: containers.flatMap((c) =>
      (c.ports ?? []).map((cp) => ({ name: cp.name, containerPort: cp.containerPort, protocol: (cp.protocol ?? 'TCP') as Protocol })),
    ),
    hostNetwork: p.spec?.hostNetwork === true,
    ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
  };
}

export function serviceFromApi(s: V1Service): SimService | undefined {
  if (!s.metadata?.name || !s.metadata.namespace) return undefined;
  return {
    namespace: s.metadata.namespace,
    name: s.metadata.name,
    clusterIP: s.spec?.clusterIP ?? '',
    selector: s.spec?.selector,
    ports: (s.spec?.ports ?? []).map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort as number | string | undefined,
      protocol: (p.protocol ?? 'TCP') as Protocol,
    })),
  };
}

/**
 * client-node's model names an ingress rule's peers `_from` (`from` is reserved in its generator);
 * the wire and the simulator say `from`. Reading `from` off a client-node object gives undefined,
 * which the simulator would take for "every peer": map it back, accepting either spelling.
 */
export function policyFromApi(p: V1NetworkPolicy): NetworkPolicy {
  const spec = JSON.parse(JSON.stringify(p.spec ?? { podSelector: {} })) as NetworkPolicy['spec'];
  for (const rule of (spec.ingress ?? []) as Array<NetworkPolicyIngressRule & { _from?: NetworkPolicyPeer[] }>) {
    if (rule._from !== undefined) {
      if (rule.from === undefined) rule.from = rule._from;
      delete rule._from;
    }
  }
  return { metadata: { name: p.metadata?.name ?? '', namespace: p.metadata?.namespace ?? '' }, spec };
}

/** Epoch ms of the latest create/update of a policy (managedFields times, creationTimestamp). */
export function policyChangeTime(p: V1NetworkPolicy): number | undefined {
  const times: number[] = [];
  const add = (t: Date | string | undefined) => {
    if (t === undefined) return;
    const ms = new Date(t).getTime();
    if (Number.isFinite(ms)) times.push(ms);
  };
  add(p.metadata?.creationTimestamp);
  for (const mf of p.metadata?.managedFields ?? []) add(mf.time);
  return times.length ? Math.max(...times) : undefined;
}

function running(p: V1Pod): boolean {
  return p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;
}

/**
 * Reads what the planner and simulator need: every namespace's labels, and the running pods,
 * Services and NetworkPolicies of the given namespaces (plus kube-system pods for DNS).
 */
export async function loadSnapshot(kube: KubeHandle, namespaces: string[]): Promise<Snapshot> {
  const core = kube.kc.makeApiClient(CoreV1Api);
  const net = kube.kc.makeApiClient(NetworkingV1Api);
  const nsList = await core.listNamespace();
  const wanted = [...new Set([...namespaces, 'kube-system'])].filter((n) => nsList.items.some((x) => x.metadata?.name === n));
  const per = await Promise.all(
    wanted.map(async (namespace) => {
      const [pods, services, policies] = await Promise.all([
        core.listNamespacedPod({ namespace }),
        namespace === 'kube-system' ? Promise.resolve({ items: [] as V1Service[] }) : core.listNamespacedService({ namespace }),
        net.listNamespacedNetworkPolicy({ namespace }),
      ]);
      return { pods: pods.items, services: services.items, policies: policies.items };
    }),
  );
  const changed = per.flatMap((x) => x.policies.map(policyChangeTime)).filter((t): t is number => t !== undefined);
  return {
    ...(changed.length ? { policyChangedAt: Math.max(...changed) } : {}),
    namespaces: nsList.items.map((n) => ({ name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {} })),
    pods: per.flatMap((x) => x.pods.filter(running).map(podFromApi).filter((p): p is SimPod => p !== undefined)),
    services: per.flatMap((x) => x.services.map(serviceFromApi).filter((s): s is SimService => s !== undefined)),
    policies: per.flatMap((x) => x.policies.map(policyFromApi)),
  };
}
