import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { redactText } from '@isoproof/core';

/** Written by `isoproof run` beside report.json: how the run was started (a bundle's provenance). */
export const INVOCATION_FILE = 'invocation.json';

export interface Invocation {
  /** The command line as typed, program name first (`isoproof run ...`), redacted. */
  argv: string[];
  cwd: string;
  /** Absolute path of the waivers file the run used, if any. */
  waiversFile?: string;
  /** When the record was written (ISO date-time). */
  at: string;
}

/** Quotes one argument for a POSIX shell when it needs it. */
export function shellQuote(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** A command line as one string a shell would read back the same. */
export function commandLine(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}

export async function recordInvocation(dir: string, inv: Omit<Invocation, 'at'>): Promise<string> {
  const file = join(dir, INVOCATION_FILE);
  const data: Invocation = { ...inv, argv: inv.argv.map((a) => redactText(a)), at: new Date().toISOString() };
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** The invocation recorded in `dir`, or undefined when there is none (or it is unreadable). */
export async function readInvocation(dir: string): Promise<Invocation | undefined> {
  const file = join(dir, INVOCATION_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<Invocation>;
    if (!Array.isArray(data.argv) || !data.argv.every((a) => typeof a === 'string')) return undefined;
    return { argv: data.argv, cwd: String(data.cwd ?? ''), at: String(data.at ?? ''), ...(typeof data.waiversFile === 'string' ? { waiversFile: data.waiversFile } : {}) };
  } catch {
    return undefined;
  }
}
