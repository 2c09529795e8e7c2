export type ProviderName = 'kind' | 'existing' | 'local';

/** A cluster we can talk to. Supports `await using` (destroys it only if we created it). */
export interface ClusterHandle {
  name: string;
  /** A kubeconfig file of ours (or the user's, for `existing`); never ~/.kube/config implicitly. */
  kubeconfigPath: string;
  context?: string;
  /** Provider facts probes may need (auditLogPath, nodeContainer, ...). */
  facts: Record<string, string>;
  /** True when this run created the cluster (so `destroy` at the end is ours to do). */
  owned: boolean;
  loadImages(archives: string[]): Promise<void>;
  exportLogs(dir: string): Promise<void>;
  destroy(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface CreateOptions {
  name?: string;
  log?: (line: string) => void;
}

/** In the spirit of sigs.k8s.io/e2e-framework support: create, reuse, sweep. */
export interface ClusterProvider {
  readonly name: ProviderName;
  create(opts?: CreateOptions): Promise<ClusterHandle>;
  reuse(name: string): Promise<ClusterHandle>;
  /** Remove clusters of ours (name prefix `isoproof-` by default) left by crashed runs. */
  sweep(prefix?: string): Promise<string[]>;
  /** Reuse the configured cluster when it exists, else create it (the CLI's `up`). */
  up(): Promise<ClusterHandle>;
}

export const CLUSTER_PREFIX = 'isoproof-';
