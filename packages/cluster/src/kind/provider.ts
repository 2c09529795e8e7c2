import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { copyRedacted, newRun } from '@isoproof/core';
import { ProviderUnavailableError } from '../errors';
import type { ClusterHandle, ClusterProvider, CreateOptions } from '../types';
import { CLUSTER_PREFIX } from '../types';
import {
  kindCreateArgs,
  kindDeleteArgs,
  kindExportKubeconfigArgs,
  kindExportLogsArgs,
  kindGetClustersArgs,
  autoHostPortCount,
  kindConfigMountsTraefik,
  kindGetNodesArgs,
  kindIngressNodeContainer,
  kindLogExcluded,
  LOCAL_PROVIDER_INGRESS_PORTS,
  KIND_LOGS_NOTE,
  kindLoadArchiveArgs,
  kubeconfigFile,
  parseClusterList,
  renderKindConfig,
  validateClusterName,
} from './args';
import { makeAuditLogReadable, prepareAuditLog } from './audit-log';
import { KindSettingsBuilder } from './provider-settings';
import { freePorts } from './free-ports';
import { kindClusterHandle } from './handle';
import { NodeImageLoader, PROJECT_IMAGES } from './images';
import { prepareTraefikDir } from './ingress';
import { installKindIngress, reusedIngressFacts } from './ingress-install';
import { runKind } from './kind-cli';
import { settleKindCluster } from './settle';
import { ExternalListener, KIND_DOCKER_NETWORK, sweepExternalListeners } from './external-listener';
import type { StartedExternalListener } from './external-listener';

export { DEFAULT_KIND_CLUSTER, DEFAULT_KIND_CONFIG } from './provider-settings';

/** The rendered kind config of a cluster (`<cluster dir>/kind-config.json`), read again on reuse. */
const RENDERED_CONFIG = 'kind-config.json';

/**
 * The kind provider: the kind CLI through zx, with `--kubeconfig` (and KUBECONFIG) always pointing at
 * a file of ours under ~/.cache/isoproof/kind/<name>.kubeconfig — never the user's ~/.kube/config.
 * On create and on reuse it gets the project's images into the nodes itself (NodeImageLoader), keeps
 * the audit log readable by the user running it, and reports the ingress ports the node container
 * really publishes (free loopback ports chosen at create).
 *
 *   await using cluster = await new KindProvider().withName('isoproof-x').create();
 */
export class KindProvider extends KindSettingsBuilder implements ClusterProvider {
  readonly name = 'kind' as const;
  private readonly runId = newRun().id;

  kubeconfigPathFor(name: string): string {
    return kubeconfigFile(this.kubeconfigDir, name);
  }

  private clusterDirFor(name: string): string {
    return join(this.kubeconfigDir, name);
  }

  private auditDirFor(name: string): string {
    return join(this.clusterDirFor(name), 'audit');
  }

  /** Host side of /var/lib/isoproof/traefik in the node (static config + the watched dynamic/). */
  traefikDirFor(name: string): string {
    return join(this.clusterDirFor(name), 'traefik');
  }

  /** Run kind with our KUBECONFIG; throws ProviderCommandError with kind's last stderr line. */
  kind(args: string[], kubeconfigPath: string): Promise<string> {
    return runKind(this.kindBinary, args, kubeconfigPath);
  }

  async list(): Promise<string[]> {
    return parseClusterList(await this.kind(kindGetClustersArgs(), join(this.kubeconfigDir, '.kind-cli.kubeconfig')));
  }

  /** The node containers of a cluster (`kind get nodes`), sorted. */
  async nodes(name: string, kubeconfigPath: string): Promise<string[]> {
    return parseClusterList(await this.kind(kindGetNodesArgs(name), kubeconfigPath)).sort();
  }

  private loader(name: string, kubeconfigPath: string, log: (line: string) => void): NodeImageLoader {
    return new NodeImageLoader({
      cluster: name,
      ...(this.archivesDir ? { archivesDir: this.archivesDir } : {}),
      dockerBinary: this.dockerBinary,
      kindLoadArchive: async (file) => {
        await this.kind(kindLoadArchiveArgs(name, file), kubeconfigPath);
      },
      log,
    });
  }

  /**
   * The project's images in every node (skipped where present, else from ISOPROOF_IMAGE_ARCHIVES, else
   * from Docker). Throws ProviderCommandError naming the image and what to do when one cannot be had:
   * scenario pods would otherwise wait in ImagePullBackOff and every criterion end INCONCLUSIVE.
   */
  private async loadProjectImages(loader: NodeImageLoader, nodes: string[], log: (line: string) => void): Promise<void> {
    const images = this.images ?? PROJECT_IMAGES;
    const started = Date.now();
    const from: string[] = [];
    for (const image of images) from.push(`${image} (${await loader.ensure(image, nodes)})`);
    if (images.length) log(`kind: images ${from.join(', ')} in ${nodes.length} node(s), ${Math.round((Date.now() - started) / 1000)}s`);
  }

  async create(opts: CreateOptions = {}): Promise<ClusterHandle> {
    const name = validateClusterName(opts.name ?? this.clusterName);
    const log = opts.log ?? this.log;
    const kubeconfigPath = this.kubeconfigPathFor(name);
    const clusterDir = this.clusterDirFor(name);
    const auditDir = this.auditDirFor(name);
    await mkdir(dirname(kubeconfigPath), { recursive: true, mode: 0o700 });
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    await chmod(clusterDir, 0o700);
    await prepareAuditLog(auditDir);
    let configPath: string | undefined;
    let renderedText: string | undefined;
    let withTraefik = false;
    const traefikDir = this.traefikDirFor(name);
    if (this.configPath) {
      const text = await readFile(this.configPath, 'utf8');
      withTraefik = kindConfigMountsTraefik(text);
      // The mount must exist before the node starts, installed or not (an empty dir otherwise).
      if (withTraefik) await prepareTraefikDir(traefikDir);
      const ports = await freePorts(autoHostPortCount(text), { avoid: LOCAL_PROVIDER_INGRESS_PORTS });
      renderedText = renderKindConfig(text, { configDir: dirname(this.configPath), auditDir, traefikDir, freePorts: ports });
      configPath = join(clusterDir, RENDERED_CONFIG);
      await writeFile(configPath, renderedText);
    }
    log(`kind: creating cluster ${name} (kubeconfig ${kubeconfigPath}${this.nodeImage ? `, node image ${this.nodeImage}` : ''})`);
    const started = Date.now();
    const spec = { name, kubeconfigPath, wait: this.wait, ...(configPath ? { configPath } : {}), ...(this.nodeImage ? { nodeImage: this.nodeImage } : {}) };
    await this.kind(kindCreateArgs(spec), kubeconfigPath);
    if (existsSync(kubeconfigPath)) await chmod(kubeconfigPath, 0o600);
    log(`kind: cluster ${name} ready in ${Math.round((Date.now() - started) / 1000)}s`);
    let ingressFacts: Record<string, string> = {};
    let nodes: string[];
    try {
      nodes = await this.nodes(name, kubeconfigPath);
      const loader = this.loader(name, kubeconfigPath, log);
      await this.loadProjectImages(loader, nodes, log);
      if (this.settleTimeoutMs !== false) await settleKindCluster(kubeconfigPath, nodes, log, this.settleTimeoutMs);
      const ingressNode = renderedText ? kindIngressNodeContainer(name, renderedText) : undefined;
      if (this.ingress && withTraefik && ingressNode) {
        ingressFacts = await installKindIngress(
          {
            name,
            kubeconfigPath,
            clusterDir,
            traefikDir,
            dockerBinary: this.dockerBinary,
            ...(this.traefikImageOverride ? { image: this.traefikImageOverride } : {}),
            timeoutMs: this.ingressTimeoutMs,
            loader,
            nodes,
            ingressNode,
            renderedText: renderedText!,
          },
          log,
        );
      } else if (ingressNode) {
        log(`kind: no ingress controller installed (${this.ingress ? 'the kind config does not mount /var/lib/isoproof/traefik' : 'withIngress(false)'}); ingress facts left unset`);
      }
    } catch (e) {
      // A cluster the run cannot use is not left behind.
      log(`kind: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}; deleting cluster ${name}`);
      await this.kind(kindDeleteArgs(name, kubeconfigPath), kubeconfigPath).catch(() => '');
      await rm(kubeconfigPath, { force: true });
      await rm(clusterDir, { recursive: true, force: true });
      throw e;
    }
    return this.handle(name, kubeconfigPath, true, ingressFacts, await this.startListener(name, kubeconfigPath, log));
  }

  async reuse(name: string): Promise<ClusterHandle> {
    validateClusterName(name);
    const log = this.log;
    const clusters = await this.list();
    if (!clusters.includes(name)) {
      throw new ProviderUnavailableError(`kind cluster "${name}" does not exist — run \`isoproof up --provider kind\` first`);
    }
    const kubeconfigPath = this.kubeconfigPathFor(name);
    await mkdir(dirname(kubeconfigPath), { recursive: true, mode: 0o700 });
    await this.kind(kindExportKubeconfigArgs(name, kubeconfigPath), kubeconfigPath);
    if (existsSync(kubeconfigPath)) await chmod(kubeconfigPath, 0o600);
    const nodes = await this.nodes(name, kubeconfigPath);
    await makeAuditLogReadable({ auditDir: this.auditDirFor(name), controlPlane: `${name}-control-plane`, dockerBinary: this.dockerBinary }, log);
    const loader = this.loader(name, kubeconfigPath, log);
    await this.loadProjectImages(loader, nodes, log);
    if (this.settleTimeoutMs !== false) await settleKindCluster(kubeconfigPath, nodes, log, this.settleTimeoutMs);
    const ingressFacts = await reusedIngressFacts({
      name,
      clusterDir: this.clusterDirFor(name),
      traefikDir: this.traefikDirFor(name),
      dockerBinary: this.dockerBinary,
      renderedConfig: RENDERED_CONFIG,
    });
    return this.handle(name, kubeconfigPath, false, ingressFacts, await this.startListener(name, kubeconfigPath, log));
  }

  /**
   * Delete a cluster (the CLI's `down`): its listener container, the kind cluster, our kubeconfig and
   * cluster directory. Nothing is loaded or started first, unlike `reuse(name).destroy()`.
   */
  async down(name = this.clusterName): Promise<void> {
    validateClusterName(name);
    if (!(await this.list()).includes(name)) {
      throw new ProviderUnavailableError(`kind cluster "${name}" does not exist — nothing to delete (see \`kind get clusters\`)`);
    }
    const kubeconfigPath = this.kubeconfigPathFor(name);
    await sweepExternalListeners({ clusters: [name] });
    await this.kind(kindDeleteArgs(name, kubeconfigPath), kubeconfigPath);
    await rm(kubeconfigPath, { force: true });
    await rm(this.clusterDirFor(name), { recursive: true, force: true });
  }

  /**
   * The cluster's logs, redacted, into `dir` (what `isoproof down --logs DIR` and a failed run write):
   * kind writes the raw logs to a private temp dir; only their redacted copy, without pod and
   * container logs, reaches `dir`. Never `kind export logs` straight into an artifact.
   */
  async exportLogs(name: string, dir: string): Promise<void> {
    validateClusterName(name);
    const kubeconfigPath = this.kubeconfigPathFor(name);
    const raw = await mkdtemp(join(tmpdir(), 'isoproof-kind-logs-'));
    try {
      await chmod(raw, 0o700);
      await this.kind(kindExportLogsArgs(name, raw), kubeconfigPath);
      await copyRedacted(raw, resolve(dir), { exclude: kindLogExcluded, notes: [KIND_LOGS_NOTE] });
    } finally {
      await rm(raw, { recursive: true, force: true });
    }
  }

  async up(): Promise<ClusterHandle> {
    const clusters = await this.list();
    return clusters.includes(this.clusterName) ? this.reuse(this.clusterName) : this.create();
  }

  async sweep(prefix = CLUSTER_PREFIX): Promise<string[]> {
    const names = (await this.list()).filter((n) => n.startsWith(prefix));
    for (const n of names) {
      const kubeconfigPath = this.kubeconfigPathFor(n);
      await this.kind(kindDeleteArgs(n, kubeconfigPath), kubeconfigPath);
      await rm(kubeconfigPath, { force: true });
      await rm(this.clusterDirFor(n), { recursive: true, force: true });
    }
    // Listener containers of clusters with our prefix (all of them were just deleted) left by crashed runs.
    const removed = await sweepExternalListeners({ clusterPrefix: prefix });
    if (removed.length) this.log(`kind: removed ${removed.length} leftover external listener container(s)`);
    return names;
  }

  /** The external listener of this cluster (started, or a running one reused); undefined without Docker/image. */
  private async startListener(name: string, kubeconfigPath: string, log: (line: string) => void): Promise<StartedExternalListener | undefined> {
    if (!this.listenerImage) return undefined;
    // The listener runs in Docker, not in the node: its image must be in Docker (loaded from the archives when missing).
    await this.loader(name, kubeconfigPath, log)
      .ensureInDocker(this.listenerImage)
      .catch(() => false);
    return new ExternalListener()
      .withImage(this.listenerImage)
      .withNetwork(KIND_DOCKER_NETWORK)
      .withCluster(name)
      .withNodeContainer(`${name}-control-plane`)
      .withRunId(this.runId)
      .withLog(log)
      .start()
      .catch((e: unknown) => {
        log(`external listener: not started (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); facts.externalTarget stays unset`);
        return undefined;
      });
  }

  private handle(name: string, kubeconfigPath: string, owned: boolean, ingressFacts: Record<string, string>, listener?: StartedExternalListener): ClusterHandle {
    return kindClusterHandle({
      name,
      kubeconfigPath,
      clusterDir: this.clusterDirFor(name),
      auditDir: this.auditDirFor(name),
      owned,
      ingressFacts,
      ...(listener ? { listener } : {}),
      kind: (args, k) => this.kind(args, k),
      exportLogs: (dir) => this.exportLogs(name, dir),
    });
  }
}
