import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadKube } from '@isoproof/kube';
import { ProviderCommandError } from '../errors';
import { kindIngressFacts, kindIngressFactsFromPorts, kindIngressNodeContainer } from './args';
import { runCommand } from './docker';
import type { NodeImageLoader } from './images';
import { installTraefik, KIND_TRAEFIK_MANIFEST, kindTraefikFacts, kindTraefikObjects, LOCAL_INGRESS_DIR, traefikImage } from './ingress';

/** The provider's record of an ingress controller it installed (`<cluster dir>/ingress.json`). */
export const INGRESS_MARKER = 'ingress.json';

/**
 * The ingress ports a node container publishes (`docker inspect`): what is bound, whatever a config
 * says. Without an answer from Docker (e.g. a remote engine that hides them), the rendered config's.
 */
export async function publishedIngress(dockerBinary: string, container: string, renderedText: string): Promise<Record<string, string>> {
  const r = await runCommand(dockerBinary, ['inspect', '--format', '{{json .NetworkSettings.Ports}}', container], { timeoutMs: 30_000 });
  if (r.exitCode === 0) {
    try {
      const facts = kindIngressFactsFromPorts(JSON.parse(r.stdout) as Parameters<typeof kindIngressFactsFromPorts>[0]);
      if (facts.ingressAddress) return facts;
    } catch {
      /* fall through to the config */
    }
  }
  return kindIngressFacts(renderedText);
}

export interface KindIngressInstall {
  name: string;
  kubeconfigPath: string;
  /** The cluster's directory (where the marker is written) and its Traefik directory. */
  clusterDir: string;
  traefikDir: string;
  dockerBinary: string;
  /** Traefik image instead of the manifest's. */
  image?: string;
  timeoutMs: number;
  loader: NodeImageLoader;
  nodes: string[];
  ingressNode: string;
  renderedText: string;
}

/**
 * Traefik into a new kind cluster: its image into the nodes (skipped when they hold it; `docker pull`
 * only when neither the nodes, the archives nor Docker have it), the manifests applied, the rollout
 * waited for. On failure: one log line, and no ingress facts (the TLS criteria then end
 * INCONCLUSIVE, never PASS).
 */
export async function installKindIngress(c: KindIngressInstall, log: (line: string) => void): Promise<Record<string, string>> {
  const started = Date.now();
  try {
    const facts = await publishedIngress(c.dockerBinary, c.ingressNode, c.renderedText);
    if (!facts.ingressAddress) throw new ProviderCommandError(`node ${c.ingressNode} publishes no port for its port 443`);
    const objects = kindTraefikObjects(
      await readFile(KIND_TRAEFIK_MANIFEST, 'utf8'),
      await readFile(join(LOCAL_INGRESS_DIR, 'ingressclass.yaml'), 'utf8'),
      { uid: process.getuid?.(), httpsPort: facts.ingressAddress.split(':').at(-1), ...(c.image ? { image: c.image } : {}) },
    );
    const image = traefikImage(objects);
    await c.loader.ensure(image, c.nodes, { pull: true });
    await installTraefik(loadKube(c.kubeconfigPath, `kind-${c.name}`), objects, { timeoutMs: c.timeoutMs });
    await writeFile(join(c.clusterDir, INGRESS_MARKER), JSON.stringify({ image, installedAt: new Date().toISOString() }) + '\n');
    log(`kind: Traefik (${image}) ready in ${Math.round((Date.now() - started) / 1000)}s; https ${facts.ingressAddress}, http ${facts.ingressHttpAddress ?? '-'}`);
    return { ...facts, ...kindTraefikFacts(c.traefikDir) };
  } catch (e) {
    log(`kind: ingress controller not installed (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); ingress facts left unset`);
    return {};
  }
}

/**
 * Ingress facts of a reused cluster: only for a controller the provider installed (its marker), with
 * the ports the node container really publishes.
 */
export async function reusedIngressFacts(
  o: { name: string; clusterDir: string; traefikDir: string; dockerBinary: string; renderedConfig: string },
): Promise<Record<string, string>> {
  const rendered = await readFile(join(o.clusterDir, o.renderedConfig), 'utf8').catch(() => undefined);
  if (!rendered || !existsSync(join(o.clusterDir, INGRESS_MARKER))) return {};
  const ingressNode = kindIngressNodeContainer(o.name, rendered);
  const ports = ingressNode ? await publishedIngress(o.dockerBinary, ingressNode, rendered) : {};
  return ports.ingressAddress ? { ...ports, ...kindTraefikFacts(o.traefikDir) } : {};
}
