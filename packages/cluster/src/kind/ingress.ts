import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parseDocument } from 'yaml';
import type { KubeHandle, KubeObject } from '@isoproof/kube';
import { applyObjects, waitForReady } from '@isoproof/kube';
import { ProviderCommandError, ProviderConfigError } from '../errors';
import { TRAEFIK_DIR_IN_NODE } from './args';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** clusters/kind/ingress-traefik.yaml: Namespace, ServiceAccount, RBAC and Deployment of Traefik. */
export const KIND_TRAEFIK_MANIFEST = join(REPO, 'clusters/kind/ingress-traefik.yaml');
/** The local cluster's ingress directory: static config, dynamic/*.yaml, the IngressClass. */
export const LOCAL_INGRESS_DIR = join(REPO, 'clusters/local/ingress');

/** Ports Traefik listens on inside its pod (the Deployment maps web/websecure to hostPorts 80/443). */
export const TRAEFIK_POD_PORTS = { web: 8000, websecure: 8443, ping: 8082 } as const;
export const TRAEFIK_DYNAMIC_DIR_IN_NODE = `${TRAEFIK_DIR_IN_NODE}/dynamic`;
export const TRAEFIK_FIELD_MANAGER = 'isoproof-kind';

/**
 * The in-cluster variant of the local cluster's static Traefik config (clusters/local/ingress/traefik.yaml):
 * same providers, logging and throttling; entry points on all pod addresses at TRAEFIK_POD_PORTS, a
 * `ping` entry point for the probes, the file provider on the node-mounted dynamic directory. The
 * kubernetesIngress provider, without KUBECONFIG, uses the pod's ServiceAccount. Throws when the local
 * config lost one of the parts this relies on. Pure.
 */
export function renderInClusterTraefikConfig(localText: string): string {
  const doc = parseDocument(localText);
  if (doc.errors.length) throw new ProviderConfigError(`traefik static config: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  for (const path of [
    ['entryPoints', 'web'],
    ['entryPoints', 'websecure'],
    ['providers', 'kubernetesIngress'],
    ['providers', 'file'],
  ]) {
    if (!doc.hasIn(path)) throw new ProviderConfigError(`traefik static config: ${path.join('.')} is missing — the kind variant is rendered from it`);
  }
  doc.setIn(['entryPoints', 'web', 'address'], `:${TRAEFIK_POD_PORTS.web}`);
  doc.setIn(['entryPoints', 'websecure', 'address'], `:${TRAEFIK_POD_PORTS.websecure}`);
  doc.setIn(['entryPoints', 'ping', 'address'], `:${TRAEFIK_POD_PORTS.ping}`);
  doc.setIn(['ping', 'entryPoint'], 'ping');
  doc.setIn(['providers', 'file', 'directory'], TRAEFIK_DYNAMIC_DIR_IN_NODE);
  doc.setIn(['providers', 'file', 'watch'], true);
  doc.commentBefore =
    ' Rendered by the isoproof kind provider from clusters/local/ingress/traefik.yaml (do not edit):\n' +
    ` Traefik in the kind cluster (clusters/kind/ingress-traefik.yaml), entry points on the pod's\n` +
    ` ports ${TRAEFIK_POD_PORTS.web}/${TRAEFIK_POD_PORTS.websecure} (hostPorts 80/443), ping on ${TRAEFIK_POD_PORTS.ping}, ServiceAccount credentials.\n` +
    ' The original header follows.\n' +
    (doc.commentBefore ?? '');
  return doc.toString();
}

/** Facts of a cluster whose Traefik directory is `traefikDir` on the host. Pure. */
export function kindTraefikFacts(traefikDir: string): Record<string, string> {
  return { ingressDynamicDir: join(traefikDir, 'dynamic') };
}

function parseManifests(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  parseAllDocuments(text).forEach((d, i) => {
    if (d.errors.length) throw new ProviderConfigError(`${source}: document ${i}: invalid YAML: ${d.errors[0]!.message.split('\n')[0]}`);
    const o = d.toJS() as KubeObject | null;
    if (!o) return;
    if (!o.apiVersion || !o.kind || !o.metadata?.name) throw new ProviderConfigError(`${source}: document ${i}: apiVersion, kind and metadata.name are required`);
    out.push(o);
  });
  return out;
}

interface ContainerSpec {
  name?: string;
  image?: string;
  env?: Array<{ name: string; value?: string }>;
}
interface PodSpecLike {
  securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean };
  containers?: ContainerSpec[];
}

function traefikDeployment(objects: KubeObject[]): { pod: PodSpecLike; container: ContainerSpec } {
  const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'traefik');
  const pod = (dep?.spec as { template?: { spec?: PodSpecLike } } | undefined)?.template?.spec;
  const container = pod?.containers?.find((c) => c.name === 'traefik');
  if (!pod || !container) throw new ProviderConfigError('kind ingress manifest: no Deployment "traefik" with a container "traefik"');
  return { pod, container };
}

/**
 * The objects to apply for a kind cluster's ingress: the manifests of clusters/kind/ingress-traefik.yaml
 * plus the local cluster's IngressClass, with the Traefik pod running as `uid` (the owner of the
 * host directory it reads; 65532 kept for uid 0/unknown), ISOPROOF_INGRESS_HTTPS_PORT set to the
 * public https port (the `redirect-https` middleware's target) and, with `image`, another Traefik
 * image (ISOPROOF_KIND_TRAEFIK_IMAGE, e.g. the one an offline node image holds). Pure.
 */
export function kindTraefikObjects(
  manifestText: string,
  ingressClassText: string,
  o: { uid?: number; httpsPort?: string; image?: string } = {},
): KubeObject[] {
  const objects = [...parseManifests(manifestText, 'clusters/kind/ingress-traefik.yaml'), ...parseManifests(ingressClassText, 'clusters/local/ingress/ingressclass.yaml')];
  const { pod, container } = traefikDeployment(objects);
  if (o.image) container.image = o.image;
  if (o.uid !== undefined && o.uid > 0) {
    pod.securityContext = { ...pod.securityContext, runAsUser: o.uid, runAsNonRoot: true };
  }
  if (o.httpsPort) {
    const env = (container.env ??= []);
    const e = env.find((v) => v.name === 'ISOPROOF_INGRESS_HTTPS_PORT');
    if (e) e.value = o.httpsPort;
    else env.push({ name: 'ISOPROOF_INGRESS_HTTPS_PORT', value: o.httpsPort });
  }
  return objects;
}

/** The Traefik image the manifests run (loaded into the kind node before applying). Pure. */
export function traefikImage(objects: KubeObject[]): string {
  const image = traefikDeployment(objects).container.image;
  if (!image) throw new ProviderConfigError('kind ingress manifest: the traefik container has no image');
  return image;
}

/**
 * Fill `traefikDir` (mounted at /var/lib/isoproof/traefik in the node): traefik.yaml rendered from
 * the local static config, dynamic/ with a copy of the local dynamic/*.yaml. Files world-readable,
 * directories 0755 (the pod runs as the host user anyway).
 */
export async function prepareTraefikDir(traefikDir: string, localIngressDir = LOCAL_INGRESS_DIR): Promise<void> {
  const dynamic = join(traefikDir, 'dynamic');
  await mkdir(dynamic, { recursive: true });
  await chmod(traefikDir, 0o755);
  await chmod(dynamic, 0o755);
  const staticFile = join(traefikDir, 'traefik.yaml');
  await writeFile(staticFile, renderInClusterTraefikConfig(await readFile(join(localIngressDir, 'traefik.yaml'), 'utf8')));
  await chmod(staticFile, 0o644);
  for (const f of (await readdir(join(localIngressDir, 'dynamic'))).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    await copyFile(join(localIngressDir, 'dynamic', f), join(dynamic, f));
    await chmod(join(dynamic, f), 0o644);
  }
}

/**
 * Server-side apply of the ingress objects (dependency order: Namespace first), then wait (bounded) for
 * the Traefik Deployment to roll out. Throws ProviderCommandError naming the object or the wait.
 */
export async function installTraefik(kube: KubeHandle, objects: KubeObject[], o: { timeoutMs?: number } = {}): Promise<void> {
  // Cluster infrastructure: no run label, so sweeps of leftover scenario objects keep the controller.
  try {
    await applyObjects(kube, objects, { fieldManager: TRAEFIK_FIELD_MANAGER });
  } catch (e) {
    throw new ProviderCommandError(`Traefik install: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { cause: e });
  }
  const dep = objects.find((x) => x.kind === 'Deployment');
  if (!dep) return;
  try {
    await waitForReady(kube, [{ apiVersion: dep.apiVersion, kind: 'Deployment', name: dep.metadata.name, namespace: dep.metadata.namespace ?? 'default' }], {
      timeoutMs: o.timeoutMs ?? 180_000,
    });
  } catch (e) {
    throw new ProviderCommandError(`Traefik did not roll out: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { cause: e });
  }
}
