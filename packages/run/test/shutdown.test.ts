import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InterruptedError, SIGNAL_EXIT, Shutdown } from '../src/shutdown';

const child = fileURLToPath(new URL('./fixtures/shutdown-child.ts', import.meta.url));

/** Starts the real child process, waits for "ready", sends the signals, returns exit code + output. */
function runChild(signals: NodeJS.Signals[], env: Record<string, string>): Promise<{ code: number | null; out: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let t0 = 0;
    const kill = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.on('data', (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (!before.includes('ready') && out.includes('ready')) {
        t0 = Date.now();
        p.kill(signals[0]);
        if (signals[1]) setTimeout(() => p.kill(signals[1]), 200);
      }
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out, ms: Date.now() - t0 });
    });
  });
}

describe('Shutdown (real child process)', () => {
  it('SIGINT: aborts the run signal, the run cleans up on its own path, exit 130', async () => {
    const { code, out } = await runChild(['SIGINT'], { CLEANUP_MS: '50' });
    expect(code).toBe(130);
    expect(out).toMatch(/SIGINT received: stopping the run and cleaning up \(at most 10s; send it again to exit at once\)/);
    expect(out).toMatch(/aborted: run interrupted by SIGINT; cleanup-start[\s\S]*cleanup-end/);
  });
  it('removes the kubeconfigs holding identity credentials before the cleanup runs', async () => {
    const { out } = await runChild(['SIGTERM'], { CLEANUP_MS: '50' });
    expect(out).toContain('identity-kubeconfig-exists=true\nready');
    expect(out).toContain('cleanup-start identity-kubeconfig-exists=false');
  });
  it('SIGTERM: exit 143', async () => {
    const { code, out } = await runChild(['SIGTERM'], { CLEANUP_MS: '50' });
    expect(code).toBe(143);
    expect(out).toContain('cleanup-end');
  });
  it('a second signal exits at once, naming what may be left and the sweep command', async () => {
    const { code, out, ms } = await runChild(['SIGINT', 'SIGINT'], { CLEANUP_MS: '10000' });
    expect(code).toBe(130);
    expect(out).toContain('cleanup-start');
    expect(out).not.toContain('cleanup-end');
    expect(out).toContain('SIGINT again: exiting now without finishing the cleanup; namespaces tenant-a may be left; remove them with: isoproof sweep --run r0123456789');
    expect(ms).toBeLessThan(5_000);
  });
  it('a cleanup that outlives the deadline: exit anyway, naming what may be left', async () => {
    const { code, out, ms } = await runChild(['SIGTERM'], { CLEANUP_MS: '10000', DEADLINE_MS: '800' });
    expect(code).toBe(143);
    expect(out).not.toContain('cleanup-end');
    expect(out).toContain('shutdown did not finish within 1s, exiting; namespaces tenant-a may be left');
    expect(ms).toBeLessThan(5_000);
  });
});

describe('Shutdown (in process)', () => {
  it('first signal: aborts with InterruptedError, exit code, cleanup deadline; nothing exits', () => {
    const exits: number[] = [];
    const logs: string[] = [];
    const s = new Shutdown({ log: (l) => logs.push(l), exit: (c) => exits.push(c), deadlineMs: 30_000 });
    expect(s.exitCode()).toBeUndefined();
    expect(s.cleanupDeadline).toBe(Number.POSITIVE_INFINITY);
    s.onSignal('SIGTERM');
    expect(s.signal.aborted).toBe(true);
    expect(s.signal.reason).toBeInstanceOf(InterruptedError);
    expect((s.signal.reason as InterruptedError).signal).toBe('SIGTERM');
    expect(s.exitCode()).toBe(SIGNAL_EXIT.SIGTERM);
    expect(s.cleanupDeadline - Date.now()).toBeGreaterThan(20_000);
    expect(s.cleanupDeadline - Date.now()).toBeLessThanOrEqual(25_000);
    expect(exits).toEqual([]);
    s.onSignal('SIGINT');
    expect(exits).toEqual([130]);
    expect(logs[1]).toMatch(/SIGINT again/);
    s.uninstall();
  });
});
