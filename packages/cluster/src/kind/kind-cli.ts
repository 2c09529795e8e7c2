import { $ } from 'zx';
import { ProviderCommandError, ProviderUnavailableError } from '../errors';
import { kindEnv } from './args';

/** Runs kind with KUBECONFIG set to our file; throws ProviderCommandError with kind's last stderr line. */
export async function runKind(kindBinary: string, args: string[], kubeconfigPath: string): Promise<string> {
  const env = kindEnv(process.env, kubeconfigPath);
  let out;
  try {
    out = await $({ env, quiet: true, nothrow: true })`${kindBinary} ${args}`;
  } catch (e) {
    throw new ProviderUnavailableError(`cannot run ${kindBinary}: ${(e as Error).message} — install kind >= 0.24`, { cause: e });
  }
  if (out.exitCode !== 0) {
    const lines = (out.stderr || out.stdout).trim().split('\n').filter(Boolean);
    if (out.exitCode === 127 || /ENOENT|not found/.test(lines.at(-1) ?? '')) {
      throw new ProviderUnavailableError(`kind is not installed (${kindBinary} not found) — install kind >= 0.24 or use another provider`);
    }
    throw new ProviderCommandError(`kind ${args.slice(0, 2).join(' ')} failed (exit ${out.exitCode}): ${lines.at(-1) ?? 'no output'}`);
  }
  return out.stdout;
}
