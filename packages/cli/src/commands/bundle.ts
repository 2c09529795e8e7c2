import { resolve } from 'node:path';
import type { Io } from '../io';
import { UsageError } from '../errors';

/** `isoproof bundle ARTIFACTS --out FILE.tar.gz`. */
export async function cmdBundle(v: Record<string, unknown>, positionals: string[], io: Io, argv: string[]): Promise<number> {
  if (positionals.length !== 1) throw new UsageError("name one artifacts directory: 'isoproof bundle ARTIFACTS --out FILE.tar.gz'");
  if (typeof v.out !== 'string') throw new UsageError('bundle needs --out FILE.tar.gz');
  const { createBundle } = await import('@isoproof/bundle');
  const b = await createBundle(resolve(positionals[0] as string), v.out, { argv });
  io.err(`bundle of run ${b.report.run.id} (${b.report.verdict}): ${b.files} files, ${(b.bytes / 1024).toFixed(1)} KiB`);
  io.out(`${b.sha256}  ${b.file}`);
  return 0;
}

/**
 * After `isoproof run`: records the command line beside the report (invocation.json, for a later
 * `isoproof bundle`) and, with --bundle FILE, packs the artifacts. A failed bundle is an error (exit
 * 2); otherwise the run's own exit code stands.
 */
export async function afterRun(v: Record<string, unknown>, artifactsDir: string, io: Io, argv: string[], waiversFile: string | undefined): Promise<void> {
  const { recordInvocation, createBundle } = await import('@isoproof/bundle');
  await recordInvocation(artifactsDir, { argv, cwd: process.cwd(), ...(waiversFile ? { waiversFile } : {}) });
  if (typeof v.bundle !== 'string') return;
  const b = await createBundle(artifactsDir, v.bundle, { argv });
  io.out(`bundle: ${b.file} (${b.files} files, sha256 ${b.sha256})`);
}
