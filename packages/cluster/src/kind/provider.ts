import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { newRun } from '@isoproof/core';
import { copyRedacted } from '@isoproof/report';
import { ProviderCommandError, ProviderUnavailableError } from '../errors';
import type { ClusterHandle, ClusterProvider, CreateOptions } from '../types';
import { CLUSTER_PREFIX } from '../types';
import {
  defaultKubeconfigDir,
  kindCreateArgs,
  kindDeleteArgs,
  kindEnv,
  kindExportKubeconfigArgs,
  kindExportLogsArgs,
  kindFacts,
  kindGetClustersArgs,
  kindConfigMountsTraefik,
  kindIngressFacts,
  kindLoadDockerImageArgs,
  kindLogExcluded,
  KIND_LOGS_NOTE,
  kindLoadArchiveArgs,
  kubeconfigFile,
  parseClusterList,
  renderKindConfig,
  validateClusterName,
} from './args';
import { loadKube } from '@isoproof/kube';
import { installTraefik, KIND_TRAEFIK_MANIFEST, kindTraefikFacts, kindTraefikObjects, LOCAL_INGRESS_DIR, prepareTraefikDir, traefikImage } from './ingress';
import { EXTERNAL_LISTENER_IMAGE, ExternalListener, KIND_DOCKER_NETWORK, sweepExternalListeners } from './external-listener';
import type { StartedExternalListener } from './external-listener';

/** clusters/kind/isoproof.yaml of this repository. */
export const DEFAULT_KIND_CONFIG = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../clusters/kind/isoproof.yaml');

export const DEFAULT_KIND_CLUSTER = 'isoproof-kind';

/**
 * The kind provider: the kind CLI through zx, with `--kubeconfig` (and KUBECONFIG) always pointing at
 * a file of ours under ~/.cache/isoproof/kind/<name>.kubeconfig — never the user's ~/.kube/config.
 *
 *   await using cluster = await new KindProvider().withName('isoproof-x').create();
 */
export class KindProvider implements ClusterProvider {
  readonly name = 'kind' as const;
  private clusterName = DEFAULT_KIND_CLUSTER;
  private configPath: string | undefined = existsSync(DEFAULT_KIND_CONFIG) ? DEFAULT_KIND_CONFIG : undefined;
  private nodeImage: string | undefined;
  private kubeconfigDir = defaultKubeconfigDir();
  private kindBinary = 'kind';
  private wait = '120s';
  private log: (line: string) => void = () => {};
  private listenerImage: string | null = EXTERNAL_LISTENER_IMAGE;
  private ingress = true;
  private ingressTimeoutMs = 180_000;
  private readonly runId = newRun().id;

  withName(name: string): this {
    this.clusterName = validateClusterName(name);
    return this;
  }
  /** A kind config file; `null` for kind's defaults. */
  withConfig(file: string | null): this {
    this.configPath = file ?? undefined;
    return this;
  }
  withNodeImage(image: string): this {
    this.nodeImage = image;
    return this;
  }
  withKubeconfigDir(dir: string): this {
    this.kubeconfigDir = resolve(dir);
    return this;
  }
  withKindBinary(path: string): this {
    this.kindBinary = path;
    return this;
  }
  withWait(wait: string): this {
    this.wait = wait;
    return this;
  }
  withLog(log: (line: string) => void): this {
    this.log = log;
    return this;
  }
  /**
   * The image of the external listener (an agnhost netexec container on the kind Docker network whose
   * address becomes `facts.externalTarget`); `null` for no listener.
   */
  withExternalListener(image: string | null): this {
    this.listenerImage = image;
    return this;
  }

  /**
   * Install the ingress controller after create (default on): Traefik from clusters/kind/ingress-traefik.yaml,
   * when the kind config mounts its directory into the ingress-ready node. `timeoutMs` bounds the rollout wait.
   */
  withIngress(enabled: boolean, timeoutMs = this.ingressTimeoutMs): this {
    this.ingress = enabled;
    this.ingressTimeoutMs = timeoutMs;
    return this;
  }

  kubeconfigPathFor(name: string): string {
    return kubeconfigFile(this.kubeconfigDir, name);
  }

  private auditDirFor(name: string): string {
    return join(this.kubeconfigDir, name, 'audit');
  }

  /** Host side of /var/lib/isoproof/traefik in the node (static config + the watched dynamic/). */
  traefikDirFor(name: string): string {
    return join(this.kubeconfigDir, name, 'traefik');
  }

  /** Run kind with our KUBECONFIG; throws ProviderCommandError with kind's last stderr line. */
  async kind(args: string[], kubeconfigPath: string): Promise<string> {
    const env = kindEnv(process.env, kubeconfigPath);
    let out;
    try {
      out = await $({ env, quiet: true, nothrow: true })`${this.kindBinary} ${args}`;
    } catch (e) {
      throw new ProviderUnavailableError(`cannot run ${this.kindBinary}: ${(e as Error).message} — install kind >= 0.24`, { cause: e });
    }
    if (out.exitCode !== 0) {
      const lines = (out.stderr || out.stdout).trim().split('\n').filter(Boolean);
      if (out.exitCode === 127 || /ENOENT|not found/.test(lines.at(-1) ?? '')) {
        throw new ProviderUnavailableError(`kind is not installed (${this.kindBinary} not found) — install kind >= 0.24 or use another provider`);
      }
      throw new ProviderCommandError(`kind ${args.slice(0, 2).join(' ')} failed (exit ${out.exitCode}): ${lines.at(-1) ?? 'no output'}`);
    }
    return out.stdout;
  }

  async list(): Promise<string[]> {
    return parseClusterList(await this.kind(kindGetClustersArgs(), join(this.kubeconfigDir, '.kind-cli.kubeconfig')));
  }

  async create(opts: CreateOptions = {}): Promise<ClusterHandle> {
    const name = validateClusterName(opts.name ?? this.clusterName);
    const log = opts.log ?? this.log;
    const kubeconfigPath = this.kubeconfigPathFor(name);
    const auditDir = this.auditDirFor(name);
    await mkdir(dirname(kubeconfigPath), { recursive: true, mode: 0o700 });
    await mkdir(auditDir, { recursive: true });
    let configPath: string | undefined;
    let ingressFacts: Record<string, string> = {};
    let withTraefik = false;
    const traefikDir = this.traefikDirFor(name);
    if (this.configPath) {
      const text = await readFile(this.configPath, 'utf8');
      ingressFacts = kindIngressFacts(text);
      withTraefik = kindConfigMountsTraefik(text);
      // The mount must exist before the node starts, installed or not (an empty dir otherwise).
      if (withTraefik) await prepareTraefikDir(traefikDir);
      configPath = join(this.kubeconfigDir, name, 'kind-config.json');
      await writeFile(configPath, renderKindConfig(text, { configDir: dirname(this.configPath), auditDir, traefikDir }));
    }
    log(`kind: creating cluster ${name} (kubeconfig ${kubeconfigPath})`);
    const started = Date.now();
    const spec = { name, kubeconfigPath, wait: this.wait, ...(configPath ? { configPath } : {}), ...(this.nodeImage ? { nodeImage: this.nodeImage } : {}) };
    await this.kind(kindCreateArgs(spec), kubeconfigPath);
    if (existsSync(kubeconfigPath)) await chmod(kubeconfigPath, 0o600);
    log(`kind: cluster ${name} ready in ${Math.round((Date.now() - started) / 1000)}s`);
    if (this.ingress && withTraefik && ingressFacts.ingressAddress) {
      ingressFacts = await this.installIngress(name, kubeconfigPath, ingressFacts, log);
    } else if (Object.keys(ingressFacts).length) {
      log(`kind: no ingress controller installed (${this.ingress ? 'the kind config does not mount /var/lib/isoproof/traefik' : 'withIngress(false)'}); ingress facts left unset`);
      ingressFacts = {};
    }
    return this.handle(name, kubeconfigPath, true, ingressFacts, await this.startListener(name, log));
  }

  async reuse(name: string): Promise<ClusterHandle> {
    validateClusterName(name);
    const clusters = await this.list();
    if (!clusters.includes(name)) {
      throw new ProviderUnavailableError(`kind cluster "${name}" does not exist — run \`isoproof up --provider kind\` first`);
    }
    const kubeconfigPath = this.kubeconfigPathFor(name);
    await mkdir(dirname(kubeconfigPath), { recursive: true, mode: 0o700 });
    await this.kind(kindExportKubeconfigArgs(name, kubeconfigPath), kubeconfigPath);
    if (existsSync(kubeconfigPath)) await chmod(kubeconfigPath, 0o600);
    let ingressFacts = this.configPath ? kindIngressFacts(await readFile(this.configPath, 'utf8')) : {};
    // Traefik was installed by the create that made this directory.
    const dynamicDir = kindTraefikFacts(this.traefikDirFor(name)).ingressDynamicDir!;
    if (Object.keys(ingressFacts).length) ingressFacts = existsSync(dynamicDir) ? { ...ingressFacts, ingressDynamicDir: dynamicDir } : {};
    return this.handle(name, kubeconfigPath, false, ingressFacts, await this.startListener(name, this.log));
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
      await rm(join(this.kubeconfigDir, n), { recursive: true, force: true });
    }
    // Listener containers of clusters with our prefix (all of them were just deleted) left by crashed runs.
    const removed = await sweepExternalListeners({ clusterPrefix: prefix });
    if (removed.length) this.log(`kind: removed ${removed.length} leftover external listener container(s)`);
    return names;
  }

  /**
   * Traefik into the new cluster: its image into the node (`docker pull` when Docker lacks it, then
   * `kind load docker-image`), the manifests applied, the rollout waited for. On failure: one log
   * line, and no ingress facts (the TLS criteria then end INCONCLUSIVE, never PASS).
   */
  private async installIngress(name: string, kubeconfigPath: string, facts: Record<string, string>, log: (line: string) => void): Promise<Record<string, string>> {
    const started = Date.now();
    try {
      const objects = kindTraefikObjects(
        await readFile(KIND_TRAEFIK_MANIFEST, 'utf8'),
        await readFile(join(LOCAL_INGRESS_DIR, 'ingressclass.yaml'), 'utf8'),
        { uid: process.getuid?.(), httpsPort: facts.ingressAddress?.split(':').at(-1) },
      );
      const image = traefikImage(objects);
      const inspect = await $({ quiet: true, nothrow: true, timeout: '30s' })`docker image inspect ${image}`;
      if (inspect.exitCode !== 0) {
        log(`kind: pulling ${image}`);
        const pull = await $({ quiet: true, nothrow: true, timeout: '300s' })`docker pull ${image}`;
        if (pull.exitCode !== 0) throw new ProviderCommandError(`docker pull ${image} failed: ${(pull.stderr || pull.stdout).trim().split('\n').at(-1) ?? ''}`);
      }
      await this.kind(kindLoadDockerImageArgs(name, image), kubeconfigPath);
      await installTraefik(loadKube(kubeconfigPath, `kind-${name}`), objects, { timeoutMs: this.ingressTimeoutMs });
      log(`kind: Traefik (${image}) ready in ${Math.round((Date.now() - started) / 1000)}s; https ${facts.ingressAddress}, http ${facts.ingressHttpAddress ?? '-'}`);
      return { ...facts, ...kindTraefikFacts(this.traefikDirFor(name)) };
    } catch (e) {
      log(`kind: ingress controller not installed (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); ingress facts left unset`);
      return {};
    }
  }

  /** The external listener of this cluster (started, or a running one reused); undefined without Docker/image. */
  private async startListener(name: string, log: (line: string) => void): Promise<StartedExternalListener | undefined> {
    if (!this.listenerImage) return undefined;
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
    let destroyed = false;
    const destroy = async () => {
      if (destroyed) return;
      destroyed = true;
      await listener?.stop().catch(() => {});
      await sweepExternalListeners({ clusters: [name] });
      await this.kind(kindDeleteArgs(name, kubeconfigPath), kubeconfigPath);
      await rm(kubeconfigPath, { force: true });
      await rm(join(this.kubeconfigDir, name), { recursive: true, force: true });
    };
    return {
      name,
      kubeconfigPath,
      context: `kind-${name}`,
      facts: {
        ...kindFacts(name, this.auditDirFor(name)),
        ...ingressFacts,
        ...(listener ? { externalTarget: listener.target } : {}),
      },
      owned,
      loadImages: async (archives: string[]) => {
        for (const a of archives) await this.kind(kindLoadArchiveArgs(name, resolve(a)), kubeconfigPath);
      },
      exportLogs: async (dir: string) => {
        // kind writes the raw logs to a private temp dir; only their redacted copy reaches `dir`.
        const raw = await mkdtemp(join(tmpdir(), 'isoproof-kind-logs-'));
        try {
          await chmod(raw, 0o700);
          await this.kind(kindExportLogsArgs(name, raw), kubeconfigPath);
          await copyRedacted(raw, resolve(dir), { exclude: kindLogExcluded, notes: [KIND_LOGS_NOTE] });
        } finally {
          await rm(raw, { recursive: true, force: true });
        }
      },
      destroy,
      [Symbol.asyncDispose]: async () => {
        if (owned) await destroy();
        // A listener this handle started goes with it; a reused one belongs to whoever started it
        // (e.g. `isoproof up`) and is removed by `down`/destroy or `sweep`.
        else if (listener && !listener.reused) await listener.stop().catch(() => {});
      },
    };
  }
}
