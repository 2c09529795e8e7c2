import { createServer } from 'node:net';

/**
 * `n` distinct TCP ports that are free on `host` right now (the kernel's choice for port 0), never one
 * of `avoid` (e.g. the local provider's 18080/18443, free while that cluster is down). Bounded: at
 * most 20 tries per port.
 */
export async function freePorts(n: number, o: { host?: string; avoid?: readonly number[] } = {}): Promise<number[]> {
  const host = o.host ?? '127.0.0.1';
  const out: number[] = [];
  const avoid = new Set(o.avoid ?? []);
  for (let tries = 0; out.length < n; tries++) {
    if (tries >= 20 * Math.max(1, n)) throw new Error(`no free TCP port on ${host} after ${tries} tries`);
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, host, () => {
        const a = s.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    if (port > 0 && !avoid.has(port) && !out.includes(port)) out.push(port);
  }
  return out;
}
