import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import type { Report } from '@isoproof/report';
import { READABLE_REPORT_VERSIONS, parseReportFile } from '@isoproof/report';
import { PROVENANCE_FILE, REPORT_FILES, REPORT_FILE, SUMS_FILE } from './create';
import { BundleError, BundleVersionError } from './errors';
import type { Provenance } from './provenance';

export interface VerifyResult {
  file: string;
  /** sha256 of the tar.gz itself (compare with the one printed when it was made). */
  sha256: string;
  /** True when nothing is wrong: every member listed with its sum, nothing added or missing, a valid report. */
  ok: boolean;
  /** One line per problem found (tampering, damage, a missing member). */
  problems: string[];
  /** Members (files) in the archive. */
  files: number;
  /** The top directory of the bundle (isoproof-<run id>). */
  top?: string;
  report?: Report;
  provenance?: Provenance;
}

interface Member {
  path: string;
  type: string;
  hash: string;
  /** Kept for the few members verify reads. */
  text?: string;
}

const KEEP = new Set<string>([REPORT_FILE, SUMS_FILE, PROVENANCE_FILE]);
const MAX_KEPT = 64 * 1024 * 1024;

async function readMembers(file: string): Promise<{ members: Member[]; error?: string }> {
  const members: Member[] = [];
  const warnings: string[] = [];
  const parser = new tar.Parser({
    strict: true,
    onwarn: (_code: string, message: string | Error) => {
      warnings.push(typeof message === 'string' ? message : message.message);
    },
    onReadEntry: (entry) => {
      const hash = createHash('sha256');
      const tail = entry.path.split('/').slice(1).join('/');
      const keep = KEEP.has(tail) && entry.size <= MAX_KEPT;
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => {
        hash.update(c);
        if (keep) chunks.push(c);
      });
      entry.on('end', () => {
        const m: Member = { path: entry.path, type: entry.type, hash: hash.digest('hex') };
        if (keep) m.text = Buffer.concat(chunks).toString('utf8');
        members.push(m);
      });
    },
  });
  try {
    await pipeline(createReadStream(file), parser);
  } catch (err) {
    return { members, error: err instanceof Error ? err.message : String(err) };
  }
  if (warnings.length) return { members, error: warnings[0] };
  return { members };
}

async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function schemaVersionOf(text: string): unknown {
  try {
    const data = JSON.parse(text) as unknown;
    return data && typeof data === 'object' ? (data as { schemaVersion?: unknown }).schemaVersion : undefined;
  } catch {
    return undefined;
  }
}

function parseSums(text: string): { sums: Map<string, string>; problems: string[] } {
  const sums = new Map<string, string>();
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m?.[1] || !m[2]) {
      problems.push(`${SUMS_FILE} line ${i + 1}: not "<sha256>  <path>"`);
      return;
    }
    if (sums.has(m[2])) problems.push(`${SUMS_FILE} lists ${m[2]} twice`);
    sums.set(m[2], m[1]);
  });
  return { sums, problems };
}

/**
 * Verifies a bundle written by createBundle: it reads the archive (never extracting it), and checks
 * that it has one top directory, regular files only, no unsafe path, a SHA256SUMS that lists every
 * member but itself with the right sum (a changed, added or removed file is a problem), the report
 * files, a provenance.json, and a report.json that matches the report schema. Throws BundleError when
 * FILE is missing or not a gzip file, BundleVersionError when the (intact) report has another schema
 * version; every other finding is a problem in the result (ok: false).
 */
export async function verifyBundle(bundleFile: string): Promise<VerifyResult> {
  const file = resolve(bundleFile);
  if (!existsSync(file) || !(await stat(file)).isFile()) throw new BundleError(`bundle not found: ${file}`);
  const fh = await open(file, 'r');
  const magic = Buffer.alloc(2);
  try {
    await fh.read(magic, 0, 2, 0);
  } finally {
    await fh.close();
  }
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) throw new BundleError(`${file} is not a gzip file: name a bundle written by 'isoproof bundle'`);
  const digest = await fileSha256(file);

  const { members, error } = await readMembers(file);
  const problems: string[] = [];
  const result: VerifyResult = { file, sha256: digest, ok: false, problems, files: 0 };
  if (error) problems.push(`archive damaged: ${error}`);

  const tops = new Set<string>();
  const files = new Map<string, Member>();
  for (const m of members) {
    const parts = m.path.split('/').filter((p) => p !== '' && p !== '.');
    if (m.path.startsWith('/') || parts.includes('..') || /^[A-Za-z]:/.test(m.path)) {
      problems.push(`${m.path}: unsafe path`);
      continue;
    }
    if (parts[0]) tops.add(parts[0]);
    if (m.type === 'Directory') continue;
    if (m.type !== 'File' && m.type !== 'OldFile' && m.type !== 'ContiguousFile') {
      problems.push(`${m.path}: ${m.type} entry (a bundle holds regular files only)`);
      continue;
    }
    const rel = parts.slice(1).join('/');
    if (!rel) {
      problems.push(`${m.path}: file outside the bundle's top directory`);
      continue;
    }
    if (files.has(rel)) problems.push(`${rel}: in the archive twice`);
    files.set(rel, m);
  }
  result.files = files.size;
  if (tops.size !== 1) problems.push(`expected one top directory, found ${tops.size}${tops.size ? ` (${[...tops].slice(0, 3).join(', ')})` : ''}`);
  else result.top = [...tops][0];

  const sumsMember = files.get(SUMS_FILE);
  if (!sumsMember?.text) {
    problems.push(`${SUMS_FILE} missing`);
  } else {
    const { sums, problems: bad } = parseSums(sumsMember.text);
    problems.push(...bad);
    for (const [rel, want] of sums) {
      const m = files.get(rel);
      if (!m) problems.push(`${rel}: listed in ${SUMS_FILE} but missing (removed)`);
      else if (m.hash !== want) problems.push(`${rel}: sha256 differs from ${SUMS_FILE} (changed)`);
    }
    for (const rel of files.keys()) {
      if (rel !== SUMS_FILE && !sums.has(rel)) problems.push(`${rel}: not listed in ${SUMS_FILE} (added)`);
    }
  }
  for (const name of REPORT_FILES) if (!files.has(name)) problems.push(`${name} missing`);

  const prov = files.get(PROVENANCE_FILE);
  if (prov?.text !== undefined) {
    try {
      result.provenance = JSON.parse(prov.text) as Provenance;
    } catch {
      problems.push(`${PROVENANCE_FILE}: not JSON`);
    }
  } else if (files.has(PROVENANCE_FILE)) problems.push(`${PROVENANCE_FILE}: too large to read`);
  else problems.push(`${PROVENANCE_FILE} missing`);

  const rep = files.get(REPORT_FILE);
  if (rep?.text !== undefined) {
    try {
      result.report = parseReportFile(rep.text, `bundle ${REPORT_FILE}`);
      if (result.provenance?.run?.id && result.provenance.run.id !== result.report.run.id) {
        problems.push(`${PROVENANCE_FILE} names run ${result.provenance.run.id}, ${REPORT_FILE} run ${result.report.run.id}`);
      }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const version = schemaVersionOf(rep.text);
      // An intact bundle of another report version is not tampering: say which isoproof reads it.
      if (problems.length === 0 && version !== undefined && !READABLE_REPORT_VERSIONS.includes(String(version))) {
        throw new BundleVersionError(
          `${file}: sums match, but its ${REPORT_FILE} has schemaVersion ${JSON.stringify(version)}; this isoproof reads ${READABLE_REPORT_VERSIONS.join(', ')} (verify it with the isoproof version that wrote it)`,
        );
      }
      problems.push(msg);
    }
  }
  result.ok = problems.length === 0;
  return result;
}
