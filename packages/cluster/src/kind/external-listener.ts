import { connect } from 'node:net';
import { images } from '@isoproof/core';
import type { StartedTestContainer, WaitStrategy } from 'testcontainers';

/**
 * The "outside" destination of the egress criteria on kind: an agnhost netexec container of ours on
 * the kind Docker network (never a real external host). Probes get it as `facts.externalTarget`.
 *
 *   await using listener = await new ExternalListener().withNetwork('kind').withCluster('isoproof-ci').start();
 *   listener?.target // "172.18.0.3:8080"
 */

export const EXTERNAL_LISTENER_IMAGE = images.probe;
export const EXTERNAL_LISTENER_PORT = 8080;
export const KIND_DOCKER_NETWORK = 'kind';

/** Labels of every listener container: what `sweep` and reuse look for. */
export const LABEL_MANAGED = 'isoproof.dev/managed';
export const LABEL_RUN = 'isoproof.dev/run';
export const LABEL_COMPONENT = 'isoproof.dev/component';
export const LABEL_CLUSTER = 'isoproof.dev/cluster';
export const COMPONENT_EXTERNAL_LISTENER = 'external-listener';

export function externalListenerLabels(o: { cluster?: string; runId?: string }): Record<string, string> {
  const labels: Record<string, string> = { [LABEL_MANAGED]: 'true', [LABEL_COMPONENT]: COMPONENT_EXTERNAL_LISTENER };
  if (o.cluster) labels[LABEL_CLUSTER] = o.cluster;
  if (o.runId) labels[LABEL_RUN] = o.runId;
  return labels;
}

/** The agnhost arguments: HTTP and UDP echo on the same port. */
export function externalListenerCommand(port: number): string[] {
  return ['netexec', `--http-port=${port}`, `--udp-port=${port}`];
}

/** `facts.externalTarget`: "ipv4:port" (what probe-network accepts), or undefined. */
export function externalTargetFact(ip: string | undefined, port: number): string | undefined {
  if (!ip || !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return `${ip}:${port}`;
}

/** The IPv4 address of a container on one network, from a Docker inspect result. Pure. */
export function containerIpOn(inspect: { NetworkSettings?: { Networks?: Record<string, { IPAddress?: string } | undefined> } }, network: string): string | undefined {
  const ip = inspect.NetworkSettings?.Networks?.[network]?.IPAddress;
  return ip ? ip : undefined;
}

export interface ContainerSummary {
  Id: string;
  Labels?: Record<string, string>;
  State?: string;
}

/** Listener containers to remove: ours (managed + component labels), optionally only of some clusters. Pure. */
export function listenersToSweep(containers: ContainerSummary[], filter: { clusters?: string[]; clusterPrefix?: string } = {}): string[] {
  return containers
    .filter((c) => c.Labels?.[LABEL_MANAGED] === 'true' && c.Labels?.[LABEL_COMPONENT] === COMPONENT_EXTERNAL_LISTENER)
    .filter((c) => {
      const cluster = c.Labels?.[LABEL_CLUSTER] ?? '';
      if (filter.clusters && !filter.clusters.includes(cluster)) return false;
      if (filter.clusterPrefix !== undefined && !cluster.startsWith(filter.clusterPrefix)) return false;
      return true;
    })
    .map((c) => c.Id);
}

/**
 * Wait strategy on the listener's port: a TCP connect from this host to <container IP>:<port> on the
 * given network, retried every 250 ms until the startup timeout. The runner host must reach the
 * listener anyway (the egress criteria use it as their control).
 */
export class ContainerPortWait implements WaitStrategy {
  private timeoutMs = 30_000;
  private timeoutSet = false;
  constructor(
    private readonly network: string,
    private readonly port: number,
  ) {}

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }

  async waitUntilReady(container: { inspect(): Promise<unknown> }): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    let last = 'no attempt';
    while (Date.now() < deadline) {
      const ip = containerIpOn((await container.inspect()) as Parameters<typeof containerIpOn>[0], this.network);
      if (!ip) last = `no IP on network ${this.network} yet`;
      else {
        const err = await tcpConnect(ip, this.port, Math.min(2_000, Math.max(100, deadline - Date.now())));
        if (!err) return;
        last = `${ip}:${this.port}: ${err}`;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`listener port not reachable after ${this.timeoutMs}ms (${last})`);
  }
}

/** One bounded TCP connect; resolves to undefined on success, else a short reason. */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (why?: string) => {
      clearTimeout(t);
      s.destroy();
      resolve(why);
    };
    const t = setTimeout(() => done('timeout'), timeoutMs);
    s.once('connect', () => done());
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

export interface StartedExternalListener {
  /** Container IP on the network. */
  ip: string;
  port: number;
  /** "ip:port", the `externalTarget` fact. */
  target: string;
  containerId: string;
  /** True when a running listener of the same cluster was found and reused (then `stop` leaves it). */
  reused: boolean;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Builder of the external listener, in the testcontainers style. */
export class ExternalListener {
  private image = EXTERNAL_LISTENER_IMAGE;
  private network = KIND_DOCKER_NETWORK;
  private port = EXTERNAL_LISTENER_PORT;
  private cluster: string | undefined;
  private runId: string | undefined;
  private startupTimeoutMs = 30_000;
  private reuseRunning = true;
  private nodeContainer: string | undefined;
  private log: (line: string) => void = () => {};

  withImage(image: string): this {
    this.image = image;
    return this;
  }
  withNetwork(network: string): this {
    this.network = network;
    return this;
  }
  withPort(port: number): this {
    this.port = port;
    return this;
  }
  /** The kind cluster it belongs to (label `isoproof.dev/cluster`; reuse and sweep key on it). */
  withCluster(name: string): this {
    this.cluster = name;
    return this;
  }
  withRunId(runId: string): this {
    this.runId = runId;
    return this;
  }
  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    return this;
  }
  /** Reuse a running listener of the same cluster instead of starting another (default true). */
  withReuse(reuse: boolean): this {
    this.reuseRunning = reuse;
    return this;
  }
  withLog(log: (line: string) => void): this {
    this.log = log;
    return this;
  }
  /** Start only when this container (the kind node, `<cluster>-control-plane`) runs on the network. */
  withNodeContainer(name: string): this {
    this.nodeContainer = name;
    return this;
  }

  /**
   * Start (or reuse) the listener. Returns undefined, after one log line, when Docker, the network or
   * the image is missing or the port never answers: the egress criteria then end INCONCLUSIVE.
   */
  async start(): Promise<StartedExternalListener | undefined> {
    applyTestcontainersEnv();
    const skip = (why: string): undefined => {
      this.log(`external listener: not started (${why}); facts.externalTarget stays unset`);
      return undefined;
    };
    let tc: typeof import('testcontainers');
    try {
      tc = await import('testcontainers');
    } catch (e) {
      return skip(`testcontainers unavailable: ${firstLine(e)}`);
    }
    let client: Awaited<ReturnType<typeof tc.getContainerRuntimeClient>>;
    try {
      client = await tc.getContainerRuntimeClient();
    } catch (e) {
      return skip(`Docker does not answer: ${firstLine(e)}`);
    }
    try {
      await client.network.getById(this.network).inspect();
    } catch {
      return skip(`Docker network "${this.network}" does not exist`);
    }
    if (this.nodeContainer) {
      const node = await client.container.inspect(client.container.getById(this.nodeContainer)).catch(() => undefined);
      if (!node?.State?.Running || !containerIpOn(node, this.network)) {
        return skip(`kind node container ${this.nodeContainer} is not running on Docker network ${this.network}`);
      }
    }
    if (!(await client.image.exists(tc.ImageName.fromString(this.image)).catch(() => false))) {
      return skip(`image ${this.image} is not in Docker — load it first (docker load -i agnhost.tar)`);
    }

    if (this.reuseRunning && this.cluster) {
      const running = await client.container.list().catch(() => []);
      for (const id of listenersToSweep(running, { clusters: [this.cluster] })) {
        const info = await client.container.inspect(client.container.getById(id)).catch(() => undefined);
        const ip = info ? containerIpOn(info, this.network) : undefined;
        const target = externalTargetFact(ip, this.port);
        if (ip && target && !(await tcpConnect(ip, this.port, 2_000))) {
          this.log(`external listener: reusing ${id.slice(0, 12)} at ${target}`);
          return this.handle({ ip, target, containerId: id, reused: true, stop: async () => {} });
        }
      }
    }

    let started: StartedTestContainer;
    try {
      started = await new tc.GenericContainer(this.image)
        .withCommand(externalListenerCommand(this.port))
        .withNetworkMode(this.network)
        .withLabels(externalListenerLabels({ cluster: this.cluster, runId: this.runId }))
        .withAutoRemove(true)
        .withWaitStrategy(new ContainerPortWait(this.network, this.port).withStartupTimeout(this.startupTimeoutMs))
        .withStartupTimeout(this.startupTimeoutMs)
        .start();
    } catch (e) {
      return skip(`container did not start: ${firstLine(e)}`);
    }
    const ip = started.getIpAddress(this.network);
    const target = externalTargetFact(ip, this.port);
    if (!target) {
      await started.stop().catch(() => {});
      return skip(`container has no IPv4 address on ${this.network}`);
    }
    this.log(`external listener: ${started.getId().slice(0, 12)} at ${target} on Docker network ${this.network}`);
    return this.handle({
      ip,
      target,
      containerId: started.getId(),
      reused: false,
      stop: async () => {
        await started.stop({ timeout: 1_000 });
      },
    });
  }

  private handle(h: { ip: string; target: string; containerId: string; reused: boolean; stop: () => Promise<void> }): StartedExternalListener {
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await h.stop();
    };
    return { ip: h.ip, port: this.port, target: h.target, containerId: h.containerId, reused: h.reused, stop, [Symbol.asyncDispose]: stop };
  }
}

/**
 * Remove listener containers of ours (labels) — all of them, or those of the given clusters / of
 * clusters whose name starts with a prefix. Best effort: returns the removed ids ([] without Docker).
 */
export async function sweepExternalListeners(filter: { clusters?: string[]; clusterPrefix?: string } = {}): Promise<string[]> {
  applyTestcontainersEnv();
  let client;
  try {
    const tc = await import('testcontainers');
    client = await tc.getContainerRuntimeClient();
  } catch {
    return [];
  }
  const ids = listenersToSweep(await client.container.list().catch(() => []), filter);
  for (const id of ids) {
    const c = client.container.getById(id);
    await client.container.stop(c, { timeout: 1_000 }).catch(() => {});
    await client.container.remove(c, { removeVolumes: true }).catch(() => {});
  }
  return ids;
}

/**
 * Testcontainers settings of ours, unless the caller set them: no Ryuk (the listener outlives `isoproof
 * up` on purpose; `down`/`sweep` remove it by label), and the Docker host taken as localhost: we never
 * use mapped ports (the listener is reached at its container IP), and without it testcontainers, when
 * run inside a container, looks for the default bridge's gateway or else runs an alpine image pulled
 * from a registry to find it.
 */
export function applyTestcontainersEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
