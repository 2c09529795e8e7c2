import { $ } from 'zx';

/** What one external command (docker, tar) gave back; never throws for a non-zero exit. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `bin args` (no shell), bounded by `timeoutMs`; a binary that cannot be started gives exit 127.
 * DOCKER_HOST and the rest of the caller's environment are passed on.
 */
export async function runCommand(bin: string, args: string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  try {
    const out = await $({ quiet: true, nothrow: true, timeout: o.timeoutMs ?? 60_000, ...(o.env ? { env: o.env } : {}) })`${bin} ${args}`;
    return { exitCode: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr };
  } catch (e) {
    return { exitCode: 127, stdout: '', stderr: e instanceof Error ? e.message : String(e) };
  }
}

/** The last non-empty line of a command's stderr (or stdout): what an error message quotes. */
export function lastLine(r: CommandResult): string {
  return (r.stderr || r.stdout).trim().split('\n').filter(Boolean).at(-1) ?? `exit ${r.exitCode}, no output`;
}
