import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellResultKind } from '../src/classify';
import { hostConnect } from '../src/host-connect';
import type { PlanCell } from '../src/plan';

// Issue 13: every connect ends by its deadline and each ending has its own class: a closed port is
// refused, never a timeout (dropped SYNs, which Node cannot stage on loopback, are the Go agent's
// tests: a full accept queue there is a timeout after the whole deadline).
const T = 400;
const servers: Server[] = [];
const sockets: Socket[] = [];
let open = 0;
let closed = 0;

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => sockets.push(c));
    s.listen({ port: 0, host: '127.0.0.1' }, () => resolve(s));
    servers.push(s);
  });
}

beforeAll(async () => {
  open = ((await listen()).address() as AddressInfo).port;
  const gone = await listen();
  closed = (gone.address() as AddressInfo).port;
  await new Promise<void>((r) => gone.close(() => r()));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const cell = (port: number): PlanCell => ({ key: `c${port}`, runner: { kind: 'host' }, host: '127.0.0.1', port, protocol: 'tcp', resources: [], row: 'r', col: 'c' }) as PlanCell;

describe('hostConnect: deadline and classes', () => {
  it.each([
    ['listening', () => open, 'connected'],
    ['closed port', () => closed, 'refused'],
  ] as [string, () => number, CellResultKind][])('%s -> %s, within the deadline', async (_n, port, cls) => {
    const started = Date.now();
    const r = await hostConnect(cell(port()), T);
    expect(r.result, r.detail).toBe(cls);
    expect(Date.now() - started).toBeLessThan(T + 250);
  });
});
