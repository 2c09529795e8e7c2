import pWaitFor from 'p-wait-for';
import { connect } from 'node:net';
import type { WaitStrategy } from 'testcontainers';

/** The IPv4 address of a container on one network, from a Docker inspect result. Pure. */
export function containerIpOn(inspect: { NetworkSettings?: { Networks?: Record<string, { IPAddress?: string } | undefined> } }, network: string): string | undefined {
  const ip = inspect.NetworkSettings?.Networks?.[network]?.IPAddress;
  return ip ? ip : undefined;
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
    const answers = async (): Promise<boolean> => {
      const ip = containerIpOn((await container.inspect()) as Parameters<typeof containerIpOn>[0], this.network);
      if (!ip) last = `no IP on network ${this.network} yet`;
      else {
        const err = await tcpConnect(ip, this.port, Math.min(2_000, Math.max(100, deadline - Date.now())));
        if (!err) return true;
        last = `${ip}:${this.port}: ${err}`;
      }
      return false;
    };
    const unreachable = (): never => {
      throw new Error(`listener port not reachable after ${this.timeoutMs}ms (${last})`);
    };
    await pWaitFor(answers, { interval: 250, timeout: { milliseconds: this.timeoutMs, fallback: unreachable } });
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
