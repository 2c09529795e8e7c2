import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import * as tar from 'tar';
import type { Redactor, Waiver } from '@isoproof/core';
import { defaultRedactor, loadWaivers, looksBinary } from '@isoproof/core';
import type { Report } from '@isoproof/report';
import { readReport, renderHtml, renderJUnit, renderJson, renderMarkdown, renderSarif } from '@isoproof/report';
import { BundleError } from './errors';
import type { Invocation } from './invocation';
import { readInvocation } from './invocation';
import type { Provenance } from './provenance';
import { collectProvenance } from './provenance';

/** Names every bundle carries at its top directory. */
export const SUMS_FILE = 'SHA256SUMS';
export const PROVENANCE_FILE = 'provenance.json';
export const REPORT_FILE = 'report.json';
/** The report renderings a bundle must carry beside report.json (verify checks they are there). */
export const REPORT_FILES = ['report.json', 'report.md', 'junit.xml', 'report.sarif', 'report.html'] as const;

export interface CreateBundleOptions {
  /** The command line that makes the bundle (recorded in provenance). Default: process.argv. */
  argv?: string[];
  /** The run's invocation; default: invocation.json in the artifacts directory. */
  invocation?: Invocation;
  redactor?: Redactor;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

export interface CreateBundleResult {
  file: string;
  /** sha256 of the tar.gz itself. */
  sha256: string;
  /** Files in the bundle, SHA256SUMS included. */
  files: number;
  bytes: number;
  report: Report;
  provenance: Provenance;
}

/** Path of `p` under `root`, '/'-separated. */
const relPath = (root: string, p: string) => relative(root, p).split(sep).join('/');

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** SHA256SUMS text (sha256sum's format, sorted by path): `sha256sum -c` checks it after extraction. */
export function sumsText(sums: Map<string, string>): string {
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([p, h]) => `${h}  ${p}\n`)
    .join('');
}

/**
 * Packs an artifacts directory (what `isoproof run --artifacts DIR` wrote) into FILE.tar.gz: every text
 * file (report files, evidence, exported logs) through the redactor once more, provenance.json
 * (commit, versions, provider, tools, the run's command line, waivers in force) and SHA256SUMS of
 * every member, all under one top directory `isoproof-<run id>/`. Binary files, links and special
 * files cannot be vouched for and are left out (listed in provenance.leftOut). Bad input (no
 * directory, no valid report.json) throws BundleError.
 */
export async function createBundle(artifactsDir: string, outFile: string, opts: CreateBundleOptions = {}): Promise<CreateBundleResult> {
  const redactor = opts.redactor ?? defaultRedactor;
  const dir = resolve(artifactsDir);
  const out = resolve(outFile);
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw new BundleError(`artifacts directory not found: ${dir}; name the --artifacts directory of a run`);
  if (!existsSync(join(dir, REPORT_FILE))) throw new BundleError(`${dir} has no ${REPORT_FILE}: bundle the artifacts directory of a finished 'isoproof run'`);
  if (!/\.tar\.gz$|\.tgz$/.test(out)) throw new BundleError(`--out ${outFile}: the bundle is a gzip tar; name it FILE.tar.gz`);
  const report = await readReport(join(dir, REPORT_FILE));
  const invocation = opts.invocation ?? (await readInvocation(dir));

  const top = `isoproof-${report.run.id}`;
  const stage = await mkdtemp(join(tmpdir(), 'isoproof-bundle-'));
  const root = join(stage, top);
  const sums = new Map<string, string>();
  const leftOut: Provenance['leftOut'] = [];
  const put = async (rel: string, data: Buffer | string) => {
    const to = join(root, ...rel.split('/'));
    await mkdir(dirname(to), { recursive: true, mode: 0o700 });
    await writeFile(to, data, { mode: 0o600 });
    sums.set(rel, sha256(data));
  };
  try {
    const walk = async (d: string): Promise<void> => {
      const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const e of entries) {
        const p = join(d, e.name);
        const rel = relPath(dir, p);
        if (p === out || rel === SUMS_FILE || rel === PROVENANCE_FILE) continue;
        const st = await lstat(p);
        if (st.isDirectory()) await walk(p);
        else if (!st.isFile()) leftOut.push({ path: rel, reason: 'link or special file (never followed)' });
        else if (/\.(tar\.gz|tgz)$/.test(e.name)) leftOut.push({ path: rel, reason: 'an archive (bundles are not nested)' });
        else if (await looksBinary(p)) leftOut.push({ path: rel, reason: 'binary (redaction cannot vouch for it)' });
        else await put(rel, redactor.redactText(await readFile(p, 'utf8')));
      }
    };
    await walk(dir);
    // A directory holding report.json alone (or written by an older isoproof) gets the missing renderings.
    const render: Record<(typeof REPORT_FILES)[number], () => string> = {
      'report.json': () => renderJson(report, { redactor }),
      'report.md': () => renderMarkdown(report, { redactor }),
      'junit.xml': () => renderJUnit(report, { redactor }),
      'report.sarif': () => renderSarif(report, { redactor }),
      'report.html': () => renderHtml(report, { redactor }),
    };
    for (const name of REPORT_FILES) if (!sums.has(name)) await put(name, render[name]());
    let fileWaivers: Waiver[] | undefined;
    if (invocation?.waiversFile && existsSync(invocation.waiversFile)) {
      await put('waivers.yaml', redactor.redactText(await readFile(invocation.waiversFile, 'utf8')));
      fileWaivers = await loadWaivers(invocation.waiversFile).catch(() => undefined);
    }
    const provenance = await collectProvenance({
      report,
      ...(invocation ? { invocation } : {}),
      ...(fileWaivers ? { fileWaivers } : {}),
      bundleArgv: opts.argv ?? ['isoproof', ...process.argv.slice(2)],
      leftOut,
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    await put(PROVENANCE_FILE, `${JSON.stringify(provenance, null, 2)}\n`);
    const sumsBody = sumsText(sums);
    await writeFile(join(root, SUMS_FILE), sumsBody, { mode: 0o600 });
    const members = [...sums.keys(), SUMS_FILE].sort().map((r) => `${top}/${r}`);

    await mkdir(dirname(out), { recursive: true });
    const partial = join(dirname(out), `.${basename(out)}.partial`);
    await tar.c({ gzip: true, file: partial, cwd: stage, portable: true, mtime: new Date(report.finishedAt) }, members);
    await rename(partial, out);
    const data = await readFile(out);
    return { file: out, sha256: sha256(data), files: members.length, bytes: data.length, report, provenance };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}


