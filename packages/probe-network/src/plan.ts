// The probe plan: cells, checks and controls a compile produces, and how cells batch by runner.
import type { ResourceRef } from '@isoproof/core';
import type { SimResult } from './types';

export type WireProtocol = 'tcp' | 'udp' | 'dns';

/**
 * Where a cell's connect runs: inside a pod (one agent exec per pod), on the runner host, or in a
 * hostNetwork node agent pod the family creates on `node` (node handshakes; `hostFallback`: the
 * provider fact podNetworkFromHost allows the runner host to stand in when no agent can be created).
 */
export type CellRunner =
  | { kind: 'pod'; namespace: string; pod: string; container?: string }
  | { kind: 'host' }
  | { kind: 'node'; node: string; hostFallback?: true };

export interface PlanCell {
  /** Stable, unique, human-readable: "tenant-a/client-x -> tenant-b/server-y:8080/TCP". */
  key: string;
  runner: CellRunner;
  host: string;
  port: number;
  protocol: WireProtocol;
  /** Expected by the NetworkPolicy simulation of the current policies (undefined: not simulable). */
  sim?: SimResult;
  /** Readiness key of the listener this cell reaches ("ns/pod:8080/TCP", "external 192.0.2.1:80/TCP"). */
  listener?: string;
  resources: ResourceRef[];
  /**
   * A node handshake: a TCP connect to a pod IP of our own (project-managed namespace) from the node
   * the pod runs on (traffic between a pod and its node is always allowed, Kubernetes NetworkPolicy
   * documentation): from a hostNetwork node agent on that node, or, where the provider says the node
   * routes pod IPs and is the runner host (fact podNetworkFromHost=true), from the runner host. Never a
   * probe, only a control.
   */
  nodeHandshake?: true;
  /** Truth-table labels. */
  row: string;
  col: string;
}

/**
 * One control cell of a deny check. A deny PASSes only on a timeout while its controls prove the
 * probe could have succeeded:
 * - 'same-source': the same source pod reaches the same target on a port the policies allow (enough alone);
 * - otherwise BOTH 'target' (the same target:port reached by a source the policies allow, or the runner
 *   host for the external listener) AND 'source' (the same source pod connecting somewhere the policies
 *   allow, in the same round).
 * Loopback inside the target is listener readiness, never a control.
 */
export interface PlanControl {
  key: string;
  role: 'same-source' | 'target' | 'source';
  how: string;
}

export interface PlanCheck {
  criterion: string;
  /** = the probe cell key. */
  id: string;
  expect: 'denied' | 'allowed';
  cell?: string;
  /** The primary control (same-source, else target side): kept for the enforcement check. */
  control?: string;
  /** How the control was chosen (all controls, or why one is missing). */
  controlHow?: string;
  /** Deny checks: every control cell with its role (see PlanControl). */
  controls?: PlanControl[];
  /** Deny checks without a same-source control: why no source-side control could be planned. */
  sourceProblem?: string;
  /** Set when the cell cannot be planned: the check becomes INCONCLUSIVE with this reason. */
  problem?: string;
}

export interface ProbePlan {
  cells: Map<string, PlanCell>;
  checks: PlanCheck[];
  /** listener key -> key of a cell proving the listener answers (loopback in the pod, or host connect). */
  readiness: Map<string, string>;
}

export interface CompileOptions {
  /** "ip:port" of a listener the project owns outside the cluster (ctx.facts.externalTarget). */
  externalTarget?: string;
  /** Labels identifying cluster DNS server pods in kube-system (default k8s-app=kube-dns). */
  dnsSelector?: Record<string, string>;
  dnsNamespace?: string;
  /**
   * The runner host routes to pod IPs and its traffic is not subject to NetworkPolicy (provider fact
   * podNetworkFromHost=true): node handshakes may stand in for a target-side control no pod can give,
   * and for the source side of a pod that may connect nowhere (a handshake with a listener in it).
   */
  podNetworkFromHost?: boolean;
  /**
   * Node handshakes from a hostNetwork node agent pod on the target pod's node (default true; needs the
   * pod's nodeName). false: only the runner host (podNetworkFromHost) can hand-shake.
   */
  nodeAgents?: boolean;
}

/** The compile options a run's provider facts give (externalTarget, podNetworkFromHost). */
export function compileOptionsFromFacts(facts: Record<string, string | undefined>): CompileOptions {
  const o: CompileOptions = {};
  if (facts.externalTarget) o.externalTarget = facts.externalTarget;
  if (facts.podNetworkFromHost === 'true') o.podNetworkFromHost = true;
  return o;
}

/** A runner's batch key: "ns/pod" for pods, "host" for the runner host, "node <name>" for a node agent. */
export function runnerKey(r: CellRunner): string {
  return r.kind === 'host' ? 'host' : r.kind === 'node' ? `node ${r.node}` : `${r.namespace}/${r.pod}`;
}

/** Cells grouped by where they run (runnerKey). One exec per pod or node agent group. */
export function batchBySource(cells: Iterable<PlanCell>): Map<string, PlanCell[]> {
  const out = new Map<string, PlanCell[]>();
  for (const cell of cells) {
    const k = runnerKey(cell.runner);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(cell);
  }
  return out;
}
