import { createServer, type Server, type Socket, connect as netConnect } from 'node:net';
import { type LocalServer, listenLoopback } from './servers';

/** Hostile loopback listeners for deadline tests: each accepts TCP and then misbehaves. */
export type HostileKind = 'tarpit' | 'reset' | 'slow';

export interface HostileOptions {
  /** slow: forward to this address after `delayMs` (a real TLS server behind a slow front). */
  forwardTo?: { host: string; port: number };
  delayMs?: number;
}

/**
 * tarpit: accepts, reads, never answers. reset: accepts, then resets the connection when the first
 * bytes (the ClientHello) arrive. slow: holds every byte for `delayMs`, then relays to `forwardTo`.
 */
export async function startHostile(kind: HostileKind, o: HostileOptions = {}): Promise<LocalServer & { accepted: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (kind === 'tarpit') {
      s.on('data', () => undefined);
      return;
    }
    if (kind === 'reset') {
      s.once('data', () => s.resetAndDestroy());
      return;
    }
    const to = o.forwardTo;
    if (!to) throw new Error('slow listener needs forwardTo');
    s.pause();
    const timer = setTimeout(() => {
      const up = netConnect(to);
      up.on('error', () => s.destroy());
      s.on('close', () => up.destroy());
      up.on('close', () => s.destroy());
      s.pipe(up).pipe(s);
      s.resume();
    }, o.delayMs ?? 0);
    s.on('close', () => clearTimeout(timer));
  });
  const listening = await listenLoopback(server, () => {
    for (const s of sockets) s.destroy();
  });
  return { ...listening, accepted: () => accepted };
}
