import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Waiver } from '@isoproof/core';
import { IsoproofError } from '@isoproof/core';

/** An input the run cannot use, found before any cluster work (exit 2, one line naming it and the fix). */
export class InputError extends IsoproofError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** Levenshtein distance (small strings: criterion ids). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The known id closest to `id` (fewest edits; ties: same prefix first, then sort order). */
export function closestId(id: string, known: readonly string[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  const prefix = (x: string) => x.split('-').slice(0, -1).join('-');
  for (const k of [...known].sort()) {
    const d = editDistance(id.toUpperCase(), k.toUpperCase()) - (prefix(k) === prefix(id) ? 0.5 : 0);
    if (!best || d < best.d) best = { id: k, d };
  }
  return best?.id;
}

/**
 * Every waiver must name a criterion that exists (in any scenario): a typo would otherwise waive
 * nothing and show nowhere. Throws InputError (ISOPROOF_INVALID_WAIVER) naming the file, the entry and
 * the closest known id.
 */
export function checkWaiverCriteria(waivers: readonly Waiver[], knownIds: readonly string[], file: string): void {
  const known = new Set(knownIds);
  const i = waivers.findIndex((w) => !known.has(w.criterion));
  if (i < 0) return;
  const bad = waivers[i]?.criterion ?? '';
  const near = closestId(bad, knownIds);
  const others = waivers.filter((w) => !known.has(w.criterion)).length - 1;
  throw new InputError(
    'ISOPROOF_INVALID_WAIVER',
    `${file}: waivers[${i}].criterion ${bad} is not a criterion of any scenario${near ? `; did you mean ${near}?` : ''} (see 'isoproof list')${others > 0 ? ` (${others} more unknown)` : ''}`,
  );
}

/**
 * Creates the artifacts directory if needed and proves it writable by writing and removing a file
 * in it, before any cluster work. Returns its absolute path. Throws InputError (ISOPROOF_ARTIFACTS_DIR)
 * naming the directory, what is wrong and the fix.
 */
export async function checkArtifactsDir(dir: string, flag = '--artifacts'): Promise<string> {
  const abs = resolve(dir);
  const fail: (why: string) => never = (why) => {
    throw new InputError('ISOPROOF_ARTIFACTS_DIR', `${flag} ${abs}: ${why}`);
  };
  const st = await stat(abs).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : e));
  if (st instanceof Error) {
    const code = (st as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') fail('a parent of it is a file, not a directory; name a directory with --artifacts DIR');
    if (code === 'EACCES' || code === 'EPERM') fail('cannot be looked up (permission denied); name a directory you can write with --artifacts DIR');
    fail(`cannot be used (${code ?? st.message}); name another directory with --artifacts DIR`);
  }
  if (st && !st.isDirectory()) fail('is a file, not a directory; name a directory with --artifacts DIR');
  if (!st) {
    try {
      await mkdir(abs, { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EEXIST') fail('cannot be created: a parent of it is a file; name a directory with --artifacts DIR');
      if (code === 'EACCES' || code === 'EPERM') fail('cannot be created (permission denied); name a directory you can write with --artifacts DIR');
      if (code === 'EROFS') fail('cannot be created (read-only file system); name a writable directory with --artifacts DIR');
      fail(`cannot be created (${code ?? (e as Error).message}); name another directory with --artifacts DIR`);
    }
  }
  const probe = resolve(abs, `.isoproof-write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EROFS') fail('is on a read-only file system; name a writable directory with --artifacts DIR');
    if (code === 'EACCES' || code === 'EPERM') fail('is not writable (permission denied); fix its permissions or name another directory with --artifacts DIR');
    fail(`is not writable (${code ?? (e as Error).message}); name another directory with --artifacts DIR`);
  }
  await rm(probe, { force: true });
  return abs;
}
