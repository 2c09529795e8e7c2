import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/signal-child.ts', import.meta.url));

/** Starts the real child process, waits for "ready", sends the signals, returns exit code + output. */
function runChild(signals: NodeJS.Signals[], cleanupMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child], {
      env: { ...process.env, CLEANUP_MS: String(cleanupMs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const kill = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.on('data', (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (!before.includes('ready') && out.includes('ready')) {
        p.kill(signals[0]);
        if (signals[1]) setTimeout(() => p.kill(signals[1]), 100);
      }
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out });
    });
  });
}

describe('installSignalHandlers (real child process)', () => {
  it('SIGINT: cleans up, then exits 130', async () => {
    const { code, out } = await runChild(['SIGINT'], 50);
    expect(code).toBe(130);
    expect(out).toMatch(/SIGINT received[\s\S]*cleanup-start[\s\S]*cleanup-end[\s\S]*cleanup done/);
  });
  it('removes the kubeconfigs holding identity credentials before the cleanup runs', async () => {
    const { out } = await runChild(['SIGTERM'], 50);
    expect(out).toContain('identity-kubeconfig-exists=true\nready');
    expect(out).toContain('cleanup-start identity-kubeconfig-exists=false');
  });
  it('SIGTERM: cleans up, then exits 143', async () => {
    const { code, out } = await runChild(['SIGTERM'], 50);
    expect(code).toBe(143);
    expect(out).toContain('cleanup-end');
  });
  it('a second signal forces the exit before cleanup ends', async () => {
    const { code, out } = await runChild(['SIGINT', 'SIGINT'], 10_000);
    expect(code).toBe(130);
    expect(out).toContain('cleanup-start');
    expect(out).not.toContain('cleanup-end');
    expect(out).toContain('SIGINT again');
  });
});
