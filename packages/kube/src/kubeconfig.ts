import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeconfigError } from './errors';

/** A client handle: the loaded KubeConfig, the file it came from (always real) and the context used. */
export interface KubeHandle {
  kc: KubeConfig;
  kubeconfigPath: string;
  context?: string;
}

/**
 * Load a kubeconfig file (never the user's default: the path is explicit) and select `context`
 * (default: the file's current-context). Throws KubeconfigError (ISOPROOF_KUBECONFIG).
 */
export function loadKube(kubeconfigPath: string, context?: string): KubeHandle {
  if (!kubeconfigPath) throw new KubeconfigError('no kubeconfig given — pass --kubeconfig <file>');
  if (!existsSync(kubeconfigPath)) {
    throw new KubeconfigError(`kubeconfig ${kubeconfigPath} does not exist — check the path or create the cluster first`);
  }
  let text: string;
  try {
    text = readFileSync(kubeconfigPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EISDIR' ? 'is a directory' : code === 'EACCES' || code === 'EPERM' ? 'is not readable (permission denied)' : `cannot be read (${code ?? String(e)})`;
    throw new KubeconfigError(`kubeconfig ${kubeconfigPath} ${why} — pass a readable kubeconfig file with --kubeconfig`, { cause: e });
  }
  if (text.trim() === '') throw new KubeconfigError(`kubeconfig ${kubeconfigPath} is empty — pass a kubeconfig file with clusters, users and contexts`);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new KubeconfigError(`kubeconfig ${kubeconfigPath} is not valid YAML: ${msg?.replace(/:\s*$/, '')} — fix the file or pass another with --kubeconfig`, { cause: e });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new KubeconfigError(`kubeconfig ${kubeconfigPath} is not a kubeconfig (a YAML ${Array.isArray(doc) ? 'list' : typeof doc}, not a mapping) — pass a kubeconfig file`);
  }
  const clusters = (doc as { clusters?: unknown }).clusters;
  if (!Array.isArray(clusters) || clusters.length === 0) {
    throw new KubeconfigError(`kubeconfig ${kubeconfigPath} has no clusters — not a kubeconfig? pass the file 'kubectl config view --raw' shows`);
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new KubeconfigError(`kubeconfig ${kubeconfigPath} is malformed: ${msg} — fix the file or pass another with --kubeconfig`, { cause: e });
  }
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new KubeconfigError(`context "${context}" not found in ${kubeconfigPath} (contexts: ${known}) — pass an existing --context`);
    }
    kc.setCurrentContext(context);
  }
  const current = kc.getCurrentContext();
  if (!current || !kc.getContextObject(current)) {
    throw new KubeconfigError(`kubeconfig ${kubeconfigPath} has no current-context — pass --context`);
  }
  if (!kc.getCurrentCluster()?.server) {
    throw new KubeconfigError(`context "${current}" in ${kubeconfigPath} names no cluster with a server URL — fix the kubeconfig`);
  }
  return { kc, kubeconfigPath, context: current };
}

/** "https://127.0.0.1:6443 (context "x" in /path)": used in every error about a cluster. */
export function describeTarget(kube: KubeHandle): string {
  const server = kube.kc.getCurrentCluster()?.server ?? '(no server)';
  const ctx = kube.context ?? kube.kc.getCurrentContext();
  return `${server} (context "${ctx}" in ${kube.kubeconfigPath})`;
}
