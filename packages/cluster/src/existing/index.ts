import { resolve } from 'node:path';
import { checkReachable, loadKube } from '@isoproof/kube';
import type { ClusterHandle, ClusterProvider, CreateOptions } from '../types';
import { ProviderConfigError } from '../errors';

/**
 * A cluster the user already has: a kubeconfig path and (optionally) a context. We never create,
 * delete or sweep it; `up` verifies it answers.
 */
export class ExistingProvider implements ClusterProvider {
  readonly name = 'existing' as const;
  private kubeconfigPath: string | undefined;
  private context: string | undefined;
  private facts: Record<string, string> = {};
  private timeoutMs = 10_000;

  constructor(kubeconfigPath?: string, context?: string) {
    if (kubeconfigPath) this.kubeconfigPath = resolve(kubeconfigPath);
    this.context = context;
  }
  withKubeconfig(path: string): this {
    this.kubeconfigPath = resolve(path);
    return this;
  }
  withContext(context: string | undefined): this {
    this.context = context;
    return this;
  }
  /** Facts probes need that we cannot discover (e.g. auditLogPath on this host). */
  withFacts(facts: Record<string, string>): this {
    this.facts = { ...this.facts, ...facts };
    return this;
  }
  withReachTimeout(ms: number): this {
    this.timeoutMs = ms;
    return this;
  }

  async up(): Promise<ClusterHandle> {
    if (!this.kubeconfigPath) {
      throw new ProviderConfigError('the existing provider needs a kubeconfig — pass --kubeconfig <file>');
    }
    const kube = loadKube(this.kubeconfigPath, this.context);
    const { serverVersion } = await checkReachable(kube, this.timeoutMs);
    const kubeconfigPath = this.kubeconfigPath;
    const name = kube.context ?? 'existing';
    return {
      name,
      kubeconfigPath,
      ...(kube.context ? { context: kube.context } : {}),
      facts: { provider: 'existing', serverVersion, ...this.facts },
      owned: false,
      loadImages: async () => {
        // Images must already be available to the cluster's nodes; nothing we can do portably.
      },
      exportLogs: async () => {
        // Not ours to collect: the cluster's logs belong to its operator.
      },
      destroy: async () => {},
      [Symbol.asyncDispose]: async () => {},
    };
  }
  async create(_opts?: CreateOptions): Promise<ClusterHandle> {
    return this.up();
  }
  async reuse(_name: string): Promise<ClusterHandle> {
    return this.up();
  }
  async sweep(_prefix?: string): Promise<string[]> {
    return [];
  }
}
