import { images, type ResourceRef } from '@isoproof/core';
import type { KubeHandle, KubeObject } from '@isoproof/kube';
import { applyObjects, deleteObjects, waitForReady } from '@isoproof/kube';

/** The image and command of a node agent: agnhost idles, the prober is exec'd in it. */
export const NODE_AGENT_IMAGE = images.probe;
export const NODE_AGENT_CONTAINER = 'agent';

/** Where a node agent can be exec'd, or why there is none on that node. */
export type NodeAgent = { ok: true; namespace: string; pod: string; container: string } | { ok: false; reason: string };

/** The namespace of a run's node agents (DNS-label safe: run ids are). */
export function nodeAgentNamespace(runId: string): string {
  return `isoproof-node-agent-${runId}`.slice(0, 63);
}

/**
 * The objects of a run's node agents: one namespace (managed, labelled with the run, Pod Security
 * `privileged` since hostNetwork needs it) and one hostNetwork pod per node, pinned by nodeName.
 */
export function nodeAgentObjects(runId: string, nodes: string[]): { objects: KubeObject[]; pods: Map<string, string> } {
  const namespace = nodeAgentNamespace(runId);
  const labels = { 'isoproof.dev/managed': 'true', 'isoproof.dev/run': runId };
  const pods = new Map<string, string>();
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'privileged',
          'pod-security.kubernetes.io/audit': 'privileged',
          'pod-security.kubernetes.io/warn': 'privileged',
        },
      },
    },
  ];
  [...nodes].sort().forEach((node, i) => {
    const name = `node-agent-${i}`;
    pods.set(node, name);
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: { ...labels, 'app.kubernetes.io/name': 'isoproof-node-agent' }, annotations: { 'isoproof.dev/node': node } },
      spec: {
        nodeName: node,
        hostNetwork: true,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        tolerations: [{ operator: 'Exists' }],
        containers: [
          {
            name: NODE_AGENT_CONTAINER,
            image: NODE_AGENT_IMAGE,
            imagePullPolicy: 'IfNotPresent',
            command: ['/agnhost', 'pause'],
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
          },
        ],
      },
    });
  });
  return { objects, pods };
}

/**
 * A run's hostNetwork node agents, created once on first use (all nodes the plan needs at once),
 * deleted by dispose() (bounded). A failure to create or ready them is kept as the reason of every node.
 */
export class NodeAgentPool {
  private created?: Promise<Map<string, NodeAgent>>;
  private refs: ResourceRef[] = [];

  constructor(
    private readonly kube: KubeHandle,
    private readonly runId: string,
    private readonly nodes: string[],
    private readonly opts: { readyTimeoutMs?: number; log?: (l: string) => void } = {},
  ) {}

  get(node: string): Promise<NodeAgent> {
    this.created ??= this.create();
    return this.created.then((m) => m.get(node) ?? { ok: false, reason: `no node agent was planned on node ${node}` });
  }

  private async create(): Promise<Map<string, NodeAgent>> {
    const { objects, pods } = nodeAgentObjects(this.runId, this.nodes);
    const namespace = nodeAgentNamespace(this.runId);
    const out = new Map<string, NodeAgent>();
    try {
      this.refs = [{ kind: 'Namespace', name: namespace }];
      this.refs = await applyObjects(this.kube, objects, { runId: this.runId, fieldManager: 'isoproof-node-agent' });
      await waitForReady(
        this.kube,
        this.refs.filter((r) => r.kind === 'Pod'),
        { timeoutMs: this.opts.readyTimeoutMs ?? 60_000 },
      );
      for (const [node, pod] of pods) out.set(node, { ok: true, namespace, pod, container: NODE_AGENT_CONTAINER });
      this.opts.log?.(`network: ${pods.size} hostNetwork node agent(s) ready in ${namespace}`);
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
      this.opts.log?.(`network: no hostNetwork node agent: ${why}`);
      for (const node of pods.keys()) out.set(node, { ok: false, reason: `could not create a hostNetwork node agent on node ${node}: ${why}` });
    }
    return out;
  }

  /** Deletes the agents' namespace (if anything was attempted), bounded. Never throws. */
  async dispose(): Promise<void> {
    if (!this.created) return;
    await this.created.catch(() => undefined);
    try {
      await deleteObjects(this.kube, [{ kind: 'Namespace', name: nodeAgentNamespace(this.runId) }], { waitMs: 30_000, ownedOnly: true });
    } catch (e) {
      this.opts.log?.(`network: deleting node agents failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
