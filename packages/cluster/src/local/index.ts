import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { copyRedacted } from '@isoproof/core';
import { ProviderCommandError, ProviderUnavailableError } from '../errors';
import type { ClusterHandle, ClusterProvider, CreateOptions } from '../types';

/** clusters/local of this repository: the scripts that build, start and stop the offline cluster. */
export const LOCAL_SCRIPTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../clusters/local');
export const LOCAL_CLUSTER_NAME = 'isoproof-local';

/** Facts printed by up.sh (`KEY=value` lines), as probes read them. */
export function parseLocalFacts(text: string): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) raw[m[1]!] = m[2]!;
  }
  const facts: Record<string, string> = {};
  const map: Record<string, string> = {
    KUBECONFIG: 'kubeconfigPath',
    NODE_NAME: 'nodeName',
    NODE_IP: 'nodeAddress',
    SERVER_VERSION: 'serverVersion',
    AUDIT_LOG: 'auditLogPath',
    LOGS_DIR: 'logsDir',
    EXTERNAL_TARGET: 'externalTarget',
    IMAGES_DIR: 'imagesDir',
    READY_SECONDS: 'readySeconds',
    INGRESS_ADDRESS: 'ingressAddress',
    INGRESS_HTTP_ADDRESS: 'ingressHttpAddress',
    INGRESS_DYNAMIC_DIR: 'ingressDynamicDir',
    POD_NETWORK_FROM_HOST: 'podNetworkFromHost',
  };
  for (const [k, v] of Object.entries(raw)) facts[map[k] ?? k] = v;
  return facts;
}

interface ScriptResult {
  code: number;
  stdout: string;
  lastError: string;
}

/**
 * The local provider: a real single-node Kubernetes (etcd, kube-apiserver, controller-manager,
 * scheduler, kubelet + containerd, kube-proxy, CoreDNS, isoproof-netpol) built offline from the Go
 * module proxy and Debian packages, run as supervised host processes. Needs Linux and root.
 *
 *   await using cluster = await new LocalProvider().withLog(console.error).up();
 */
export class LocalProvider implements ClusterProvider {
  readonly name = 'local' as const;
  private scriptsDir = LOCAL_SCRIPTS_DIR;
  private env: Record<string, string> = {};
  private log: (line: string) => void = () => {};

  withScriptsDir(dir: string): this {
    this.scriptsDir = resolve(dir);
    return this;
  }
  /** Extra environment for the scripts (ISOPROOF_LOCAL_STATE, ISOPROOF_CACHE, ...). */
  withEnv(env: Record<string, string>): this {
    this.env = { ...this.env, ...env };
    return this;
  }
  withLog(log: (line: string) => void): this {
    this.log = log;
    return this;
  }

  private get runDir(): string {
    return this.env.ISOPROOF_LOCAL_RUN ?? process.env.ISOPROOF_LOCAL_RUN ?? '/run/isoproof-local';
  }

  private checkHost(): void {
    if (process.platform !== 'linux') {
      throw new ProviderUnavailableError('the local provider needs Linux — use --provider kind or --kubeconfig <file>');
    }
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new ProviderUnavailableError('the local provider needs root (containerd, kubelet, iptables) — rerun as root or use --provider kind/existing');
    }
    if (!existsSync(join(this.scriptsDir, 'up.sh'))) {
      throw new ProviderUnavailableError(`local cluster scripts not found in ${this.scriptsDir}`);
    }
  }

  /** Runs one of the scripts, streaming its progress (stderr) to the log; bounded by timeoutMs. */
  private script(name: string, args: string[], timeoutMs: number): Promise<ScriptResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn('bash', [join(this.scriptsDir, name), ...args], {
        env: { ...process.env, ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let lastError = '';
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          if (line.startsWith('isoproof local:')) lastError = line.replace(/^isoproof local:\s*/, '');
          this.log(line);
        }
      });
      const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new ProviderUnavailableError(`cannot run ${name}: ${e.message}`, { cause: e }));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code: code ?? 1, stdout, lastError });
      });
    });
  }

  async create(_opts: CreateOptions = {}): Promise<ClusterHandle> {
    this.checkHost();
    // The cold build alone can take most of an hour on 2 cores; a warm up is ~1 minute.
    const r = await this.script('up.sh', [], 90 * 60_000);
    if (r.code !== 0) {
      await this.script('down.sh', [], 120_000).catch(() => undefined);
      throw new ProviderCommandError(`local cluster failed to start: ${r.lastError || `up.sh exited ${r.code}`}`);
    }
    return this.handle(parseLocalFacts(r.stdout), true);
  }

  async reuse(name: string = LOCAL_CLUSTER_NAME): Promise<ClusterHandle> {
    const factsFile = join(this.runDir, 'facts.env');
    if (name !== LOCAL_CLUSTER_NAME || !existsSync(factsFile) || !(await this.running())) {
      throw new ProviderUnavailableError(`local cluster "${name}" is not running — run \`isoproof up --provider local\` first`);
    }
    return this.handle(parseLocalFacts(await readFile(factsFile, 'utf8')), false);
  }

  async up(): Promise<ClusterHandle> {
    return (await this.running()) && existsSync(join(this.runDir, 'facts.env')) ? this.reuse() : this.create();
  }

  /** Whether the apiserver supervisor of a previous `up` is alive. */
  async running(): Promise<boolean> {
    try {
      const pid = Number((await readFile(join(this.runDir, 'kube-apiserver.pid'), 'utf8')).trim());
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  async sweep(_prefix?: string): Promise<string[]> {
    if (process.platform !== 'linux' || (typeof process.getuid === 'function' && process.getuid() !== 0)) return [];
    if (!existsSync(this.runDir) && !existsSync('/var/lib/isoproof-local/conf')) return [];
    await this.down();
    return [LOCAL_CLUSTER_NAME];
  }

  async down(): Promise<void> {
    this.checkHost();
    const r = await this.script('down.sh', [], 180_000);
    if (r.code !== 0) throw new ProviderCommandError(`local cluster cleanup failed: ${r.lastError || `down.sh exited ${r.code}`}`);
  }

  private handle(facts: Record<string, string>, owned: boolean): ClusterHandle {
    const kubeconfigPath = facts.kubeconfigPath;
    if (!kubeconfigPath) throw new ProviderCommandError('local cluster started but reported no kubeconfig');
    const sock = join(this.runDir, 'containerd', 'containerd.sock');
    const destroy = async (): Promise<void> => this.down();
    return {
      name: LOCAL_CLUSTER_NAME,
      kubeconfigPath,
      facts,
      owned,
      loadImages: async (archives: string[]) => {
        for (const archive of archives) {
          const code = await new Promise<number>((res) => {
            const c = spawn('ctr', ['-a', sock, '-n', 'k8s.io', 'images', 'import', archive], { stdio: 'ignore' });
            c.on('close', (n) => res(n ?? 1));
            c.on('error', () => res(127));
          });
          if (code !== 0) throw new ProviderCommandError(`cannot import image archive ${archive} into the local cluster (ctr exit ${code})`);
        }
      },
      exportLogs: async (dir: string) => {
        const logs = facts.logsDir;
        if (!logs || !existsSync(logs)) return;
        // Audit, apiserver, kubelet and ingress logs may carry tokens: only a redacted copy leaves.
        await copyRedacted(logs, join(dir, 'local-cluster'), {
          notes: ['Logs of the local cluster (audit, apiserver, kubelet, ingress...), copied through redaction.'],
        });
      },
      destroy,
      [Symbol.asyncDispose]: async () => {
        if (owned) await destroy();
      },
    };
  }
}
