import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real CLI entry point and the repository root. */
export const BIN = fileURLToPath(new URL('../bin/isoproof.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the process. */
  ms: number;
}

export interface CliOptions {
  /** Default: the test's working directory. */
  cwd?: string;
  /** Added to the environment (NO_COLOR=1 is always set). */
  env?: NodeJS.ProcessEnv;
  /** The process is killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** Gets the process once started (to signal it). */
  onStart?: (p: ChildProcess) => void;
}

/** Runs the real CLI (bin/isoproof.js) as a child process; its exit code and output. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [BIN, ...args], {
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
    opts.onStart?.(p);
  });
}

/** The non-blank lines of an output. */
export const lines = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');
