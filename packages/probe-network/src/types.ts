/** Plain, Kubernetes-shaped data the simulator and the planner work on (no client objects). */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  protocol?: Protocol;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicy {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: Array<'Ingress' | 'Egress'>;
    ingress?: NetworkPolicyIngressRule[];
    egress?: NetworkPolicyEgressRule[];
  };
}

export interface SimNamespace {
  name: string;
  labels: Record<string, string>;
}

export interface SimContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
}

export interface SimPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  /** Container names, first is the default exec container. */
  containers?: string[];
  ports?: SimContainerPort[];
  hostNetwork?: boolean;
  /** The node the pod is scheduled on (spec.nodeName), when known: node handshakes run from a hostNetwork agent there. */
  nodeName?: string;
}

export interface SimServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: Protocol;
}

export interface SimService {
  namespace: string;
  name: string;
  clusterIP: string;
  selector?: Record<string, string>;
  ports: SimServicePort[];
}

/** What the planner and the simulator know of the cluster at one moment. */
export interface Snapshot {
  namespaces: SimNamespace[];
  pods: SimPod[];
  services: SimService[];
  policies: NetworkPolicy[];
  /**
   * Epoch ms of the latest change (create or apply, from metadata.managedFields/creationTimestamp,
   * 1 s resolution) of a NetworkPolicy in the snapshot's namespaces; time-to-enforce is measured from it.
   */
  policyChangedAt?: number;
}

/** Where a connect goes, for the simulator. */
export type SimTarget = { pod: SimPod } | { ip: string } | { loopback: true };

export interface SimCell {
  id: string;
  source: SimPod;
  target: SimTarget;
  /** The port on the destination (pod container port after Service translation). */
  port: number;
  protocol: Protocol;
}

export interface SimSide {
  /** Policies that select the endpoint for this direction (empty: not isolated). */
  isolatedBy: string[];
  /** Policies with a rule that allows this cell. */
  allowedBy: string[];
  allowed: boolean;
}

export interface SimResult {
  id: string;
  verdict: 'allow' | 'deny';
  egress: SimSide;
  ingress: SimSide;
  /** One line: why (the deciding policies). */
  reason: string;
}
