import { images } from '@isoproof/core';
import type { StartedTestContainer } from 'testcontainers';
import { ContainerPortWait, containerIpOn, tcpConnect } from './port-wait';

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

/** What the ExternalListener builder sets. */
interface ListenerSettings {
  image: string;
  network: string;
  port: number;
  cluster: string | undefined;
  runId: string | undefined;
  startupTimeoutMs: number;
  reuseRunning: boolean;
  nodeContainer: string | undefined;
  log: (line: string) => void;
}

/** Builder of the external listener, in the testcontainers style. */
export class ExternalListener {
  private readonly o: ListenerSettings = {
    image: EXTERNAL_LISTENER_IMAGE,
    network: KIND_DOCKER_NETWORK,
    port: EXTERNAL_LISTENER_PORT,
    cluster: undefined,
    runId: undefined,
    startupTimeoutMs: 30_000,
    reuseRunning: true,
    nodeContainer: undefined,
    log: () => {},
  };

  private set(s: Partial<ListenerSettings>): this {
    Object.assign(this.o, s);
    return this;
  }

  withImage(image: string): this {
    return this.set({ image });
  }
  withNetwork(network: string): this {
    return this.set({ network });
  }
  withPort(port: number): this {
    return this.set({ port });
  }
  /** The kind cluster it belongs to (label `isoproof.dev/cluster`; reuse and sweep key on it). */
  withCluster(cluster: string): this {
    return this.set({ cluster });
  }
  withRunId(runId: string): this {
    return this.set({ runId });
  }
  withStartupTimeout(startupTimeoutMs: number): this {
    return this.set({ startupTimeoutMs });
  }
  /** Reuse a running listener of the same cluster instead of starting another (default true). */
  withReuse(reuseRunning: boolean): this {
    return this.set({ reuseRunning });
  }
  withLog(log: (line: string) => void): this {
    return this.set({ log });
  }
  /** Start only when this container (the kind node, `<cluster>-control-plane`) runs on the network. */
  withNodeContainer(nodeContainer: string): this {
    return this.set({ nodeContainer });
  }

  /**
   * Start (or reuse) the listener. Returns undefined, after one log line, when Docker, the network or
   * the image is missing or the port never answers: the egress criteria then end INCONCLUSIVE.
   */
  async start(): Promise<StartedExternalListener | undefined> {
    applyTestcontainersEnv();
    const skip = (why: string): undefined => {
      this.o.log(`external listener: not started (${why}); facts.externalTarget stays unset`);
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
      await client.network.getById(this.o.network).inspect();
    } catch {
      return skip(`Docker network "${this.o.network}" does not exist`);
    }
    if (this.o.nodeContainer) {
      const node = await client.container.inspect(client.container.getById(this.o.nodeContainer)).catch(() => undefined);
      if (!node?.State?.Running || !containerIpOn(node, this.o.network)) {
        return skip(`kind node container ${this.o.nodeContainer} is not running on Docker network ${this.o.network}`);
      }
    }
    if (!(await client.image.exists(tc.ImageName.fromString(this.o.image)).catch(() => false))) {
      return skip(`image ${this.o.image} is not in Docker — load it first (docker load -i agnhost.tar)`);
    }

    if (this.o.reuseRunning && this.o.cluster) {
      const running = await client.container.list().catch(() => []);
      for (const id of listenersToSweep(running, { clusters: [this.o.cluster] })) {
        const info = await client.container.inspect(client.container.getById(id)).catch(() => undefined);
        const ip = info ? containerIpOn(info, this.o.network) : undefined;
        const target = externalTargetFact(ip, this.o.port);
        if (ip && target && !(await tcpConnect(ip, this.o.port, 2_000))) {
          this.o.log(`external listener: reusing ${id.slice(0, 12)} at ${target}`);
          return this.handle({ ip, target, containerId: id, reused: true, stop: async () => {} });
        }
      }
    }

    let started: StartedTestContainer;
    try {
      started = await new tc.GenericContainer(this.o.image)
        .withCommand(externalListenerCommand(this.o.port))
        .withNetworkMode(this.o.network)
        .withLabels(externalListenerLabels({ cluster: this.o.cluster, runId: this.o.runId }))
        .withAutoRemove(true)
        .withWaitStrategy(new ContainerPortWait(this.o.network, this.o.port).withStartupTimeout(this.o.startupTimeoutMs))
        .withStartupTimeout(this.o.startupTimeoutMs)
        .start();
    } catch (e) {
      return skip(`container did not start: ${firstLine(e)}`);
    }
    const ip = started.getIpAddress(this.o.network);
    const target = externalTargetFact(ip, this.o.port);
    if (!target) {
      await started.stop().catch(() => {});
      return skip(`container has no IPv4 address on ${this.o.network}`);
    }
    this.o.log(`external listener: ${started.getId().slice(0, 12)} at ${target} on Docker network ${this.o.network}`);
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
    return { ip: h.ip, port: this.o.port, target: h.target, containerId: h.containerId, reused: h.reused, stop, [Symbol.asyncDispose]: stop };
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
