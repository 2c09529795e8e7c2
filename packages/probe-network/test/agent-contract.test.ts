import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPlan, parseAgentOutput } from '../src/agent-protocol';
import type { PlanCell } from '../src/plan';

// The TypeScript <-> Go contract: agentPlan() is what the agent reads, parseAgentOutput() what it
// prints. Builds the real agent and runs it against real loopback listeners.
const hasGo = spawnSync('go', ['version']).status === 0;
const agentDir = join(import.meta.dirname, '..', 'agent');

/** Runs the agent without blocking the event loop (the UDP echo server lives in this process). */
function runAgent(bin: string, input: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    p.stdin.end(input);
  });
}

describe.skipIf(!hasGo)('isoproof-prober agent contract', () => {
  let dir = '';
  let bin = '';
  let tcp: Server;
  let tcpPort = 0;
  let closedPort = 0;
  const udp = createSocket('udp4');
  let udpPort = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'isoproof-agent-'));
    bin = join(dir, 'isoproof-prober');
    execFileSync('go', ['build', '-o', bin, '.'], { cwd: agentDir, env: { ...process.env, CGO_ENABLED: '0' }, stdio: 'pipe' });
    tcp = createServer((s) => s.end());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    tcpPort = (tcp.address() as AddressInfo).port;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    udp.on('message', (msg, rinfo) => {
      const text = msg.toString();
      if (text.startsWith('echo ')) udp.send(text.slice(5), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    udpPort = udp.address().port;
  }, 180_000);

  afterAll(() => {
    tcp?.close();
    udp.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cell = (key: string, host: string, port: number, protocol: PlanCell['protocol']): PlanCell => ({
    key,
    runner: { kind: 'pod', namespace: 'x', pod: 'y' },
    host,
    port,
    protocol,
    resources: [],
    row: 'y',
    col: key,
  });

  it('round-trips a plan: connected, refused, udp echo, dns', async () => {
    const cells = [
      cell('open', '127.0.0.1', tcpPort, 'tcp'),
      cell('closed', '127.0.0.1', closedPort, 'tcp'),
      cell('udp', '127.0.0.1', udpPort, 'udp'),
      cell('dns', 'localhost', 53, 'dns'),
    ];
    const r = await runAgent(bin, agentPlan(cells, 1000, 8));
    expect(r.status, r.stderr).toBe(0);
    const out = parseAgentOutput(cells, r.stdout);
    expect(out.map((x) => `${x.key}=${x.result}`)).toEqual(['open=connected', 'closed=refused', 'udp=connected', 'dns=connected']);
    expect(out[2]!.detail).toContain('"isoproof"');
  });

  it('rejects an invalid plan with exit 2 and one line on stderr', async () => {
    const r = await runAgent(bin, JSON.stringify({ timeoutMs: 1, cells: [] }));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('isoproof-prober: invalid plan: timeoutMs must be within 10..60000, got 1');
  });
});
