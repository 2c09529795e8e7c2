import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactor } from '@isoproof/core';
import { readReport, writeArtifacts } from '@isoproof/report';
import { BundleError, BundleVersionError, createBundle, recordInvocation, verifyBundle } from '../src/index';
import { sha256 } from '../src/create';

/**
 * Bundles of a real report file (the report package's golden report.json, as `isoproof run` writes
 * it) with evidence, logs and waivers; the archive is handled by the system's tar and sha256sum too,
 * and tampered with the way a person would: edit, add, remove, re-pack.
 */
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'report', 'test', 'golden', 'report.json');
const SECRET = 'b0gus-Bundle-Secret-42';

let work: string;
let artifacts: string;
let bundle: string;
const redactor = createRedactor(Buffer.from('bundle-test-key-0123456789'));

const sh = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8' });

/** Extracts `file`, lets `edit` change the tree, packs it again as the system tar would. */
async function repack(file: string, edit: (root: string) => Promise<void>, name: string): Promise<string> {
  const dir = await mkdtemp(join(work, 'x-'));
  sh('tar', ['xzf', file, '-C', dir]);
  const [top] = await readdir(dir);
  await edit(join(dir, top!));
  const out = join(work, `${name}.tar.gz`);
  sh('tar', ['czf', out, '-C', dir, top!]);
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'isoproof-bundle-test-'));
  artifacts = join(work, 'artifacts');
  redactor.register(SECRET);
  const report = await readReport(GOLDEN);
  await writeArtifacts(report, artifacts, { redactor, env: {} });
  await mkdir(join(artifacts, 'evidence', 'tenant-isolation', 'baseline'), { recursive: true });
  await writeFile(join(artifacts, 'evidence', 'tenant-isolation', 'baseline', 'probe.txt'), 'connect tenant-b/server:8080 -> timeout\n');
  await mkdir(join(artifacts, 'logs', 'local-cluster'), { recursive: true });
  // a log line that slipped through unredacted: the bundle redacts it again
  await writeFile(join(artifacts, 'logs', 'local-cluster', 'kubelet.log'), `line 1\npassword=${SECRET}\nAuthorization: Bearer abcdefghijklmnop123\n`);
  await writeFile(join(artifacts, 'logs', 'core.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
  await symlink('/etc/passwd', join(artifacts, 'logs', 'link'));
  const waivers = join(work, 'waivers.yaml');
  await writeFile(
    waivers,
    'waivers:\n  - criterion: RBAC-LEAST-02\n    selector: "tenant-a/app get secrets*"\n    reason: legacy job reads its own secret until v2\n    owner: team-platform\n    expires: "2026-12-31"\n',
  );
  await recordInvocation(artifacts, { argv: ['isoproof', 'run', '--all', '--waivers', waivers], cwd: work, waiversFile: waivers });
  bundle = join(work, 'out', 'proof.tar.gz');
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('createBundle', () => {
  it('packs report files, evidence, redacted logs, provenance and SHA256SUMS under one top directory', async () => {
    const b = await createBundle(artifacts, bundle, { argv: ['isoproof', 'bundle', 'artifacts', '--out', 'proof.tar.gz'], redactor, env: { GITHUB_SHA: 'c0ffee'.padEnd(40, '0') } });
    expect(b.sha256).toBe(sha256(await readFile(bundle)));
    const list = sh('tar', ['tzf', bundle]).trim().split('\n');
    expect(list).toEqual(
      [
        'SHA256SUMS',
        'evidence/tenant-isolation/baseline/probe.txt',
        'invocation.json',
        'junit.xml',
        'logs/local-cluster/kubelet.log',
        'provenance.json',
        'report.html',
        'report.json',
        'report.md',
        'report.sarif',
        'waivers.yaml',
      ].map((p) => `isoproof-r0123456789/${p}`),
    );
    expect(b.files).toBe(list.length);
    // the system's tools agree: extract and check the sums with sha256sum -c
    const x = await mkdtemp(join(work, 'sys-'));
    sh('tar', ['xzf', bundle, '-C', x]);
    expect(sh('sha256sum', ['-c', 'SHA256SUMS'], join(x, 'isoproof-r0123456789'))).toContain('report.json: OK');
    const log = await readFile(join(x, 'isoproof-r0123456789', 'logs', 'local-cluster', 'kubelet.log'), 'utf8');
    expect(log).not.toContain(SECRET);
    expect(log).toContain(redactor.hash(SECRET));
    expect(log).not.toContain('abcdefghijklmnop123');
    const p = b.provenance;
    expect(p.source.commit).toBe('c0ffee'.padEnd(40, '0'));
    expect(p.versions).toMatchObject({ isoproof: '0.1.0', kubernetes: 'v1.34.1', node: process.version });
    expect(p.provider.name).toBe('local');
    expect(p.provider.components?.K8S_VERSION).toMatch(/^v1\./);
    expect(p.command).toBe(`isoproof run --all --waivers ${join(work, 'waivers.yaml')}`);
    expect(p.bundleCommand).toBe('isoproof bundle artifacts --out proof.tar.gz');
    expect(p.waivers.list).toEqual([
      expect.objectContaining({ criterion: 'RBAC-LEAST-02', owner: 'team-platform', state: 'active', applied: ['rbac-least-privilege/wildcard-role RBAC-LEAST-02'] }),
    ]);
    expect(p.leftOut).toEqual([
      { path: 'logs/core.bin', reason: 'binary (redaction cannot vouch for it)' },
      { path: 'logs/link', reason: 'link or special file (never followed)' },
    ]);
    expect(p.tools.node).toBe(process.version);
  });

  it('the same artifacts give the same member contents (sums) every time, but for provenance', async () => {
    const again = await createBundle(artifacts, join(work, 'again.tar.gz'), { redactor });
    const sums = (f: string) => sh('tar', ['xzOf', f, 'isoproof-r0123456789/SHA256SUMS']).split('\n').filter((l) => !l.endsWith('provenance.json'));
    expect(sums(again.file)).toEqual(sums(bundle));
  });

  it('bad input: one line, BundleError', async () => {
    await expect(createBundle(join(work, 'nope'), join(work, 'b.tar.gz'))).rejects.toThrow(BundleError);
    const empty = await mkdtemp(join(work, 'empty-'));
    await expect(createBundle(empty, join(work, 'b.tar.gz'))).rejects.toThrow(`${empty} has no report.json: bundle the artifacts directory of a finished 'isoproof run'`);
    await expect(createBundle(artifacts, join(work, 'b.zip'))).rejects.toThrow('the bundle is a gzip tar; name it FILE.tar.gz');
  });

  it('a real report of the local cluster (report package test/real/): bundled, verified, sums checked by sha256sum', async () => {
    const real = await mkdtemp(join(work, 'real-'));
    await cp(join(dirname(GOLDEN), '..', 'real', 'local-baseline.report.json'), join(real, 'report.json'));
    const b = await createBundle(real, join(work, 'real.tar.gz'), { redactor });
    expect(b.report.provider).toBe('local');
    const res = await verifyBundle(b.file);
    expect(res.problems).toEqual([]);
    expect(res.report?.summary.total).toBe(23);
    const x = await mkdtemp(join(work, 'real-x-'));
    sh('tar', ['xzf', b.file, '-C', x]);
    expect(sh('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], join(x, `isoproof-${b.report.run.id}`))).toBe('');
  });

  it('fills in the renderings a bare report.json directory lacks', async () => {
    const bare = await mkdtemp(join(work, 'bare-'));
    await cp(GOLDEN, join(bare, 'report.json'));
    const b = await createBundle(bare, join(work, 'bare.tar.gz'), { redactor });
    const res = await verifyBundle(b.file);
    expect(res.problems).toEqual([]);
    expect(res.files).toBe(7);
  });
});

describe('verifyBundle', () => {
  it('an intact bundle: ok, with its report and provenance', async () => {
    const res = await verifyBundle(bundle);
    expect(res.problems).toEqual([]);
    expect(res.ok).toBe(true);
    expect(res.top).toBe('isoproof-r0123456789');
    expect(res.report?.verdict).toBe('FAIL');
    expect(res.provenance?.run.id).toBe('r0123456789');
    expect(res.files).toBe(11);
  });

  it('repacked untouched by the system tar: still ok', async () => {
    const same = await repack(bundle, async () => undefined, 'same');
    expect((await verifyBundle(same)).problems).toEqual([]);
  });

  it('a changed file is found', async () => {
    const t = await repack(
      bundle,
      async (root) => {
        const f = join(root, 'report.json');
        await writeFile(f, (await readFile(f, 'utf8')).replace('"verdict": "FAIL"', '"verdict": "PASS"'));
      },
      'changed',
    );
    const res = await verifyBundle(t);
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual(['report.json: sha256 differs from SHA256SUMS (changed)']);
  });

  it('an added file is found', async () => {
    const t = await repack(bundle, (root) => writeFile(join(root, 'evidence', 'extra.txt'), 'planted\n'), 'added');
    expect((await verifyBundle(t)).problems).toEqual(['evidence/extra.txt: not listed in SHA256SUMS (added)']);
  });

  it('a removed file is found', async () => {
    const t = await repack(bundle, (root) => rm(join(root, 'logs', 'local-cluster', 'kubelet.log')), 'removed');
    expect((await verifyBundle(t)).problems).toEqual(['logs/local-cluster/kubelet.log: listed in SHA256SUMS but missing (removed)']);
  });

  it('a removed SHA256SUMS line is an added file; a symlink member is refused', async () => {
    const t = await repack(
      bundle,
      async (root) => {
        const f = join(root, 'SHA256SUMS');
        await writeFile(f, (await readFile(f, 'utf8')).split('\n').filter((l) => !l.endsWith('  junit.xml')).join('\n'));
        await symlink('/etc/hostname', join(root, 'evidence', 'host'));
      },
      'link',
    );
    const res = await verifyBundle(t);
    expect(res.problems).toContain('junit.xml: not listed in SHA256SUMS (added)');
    expect(res.problems).toContain('isoproof-r0123456789/evidence/host: SymbolicLink entry (a bundle holds regular files only)');
    expect(res.problems).toHaveLength(2);
  });

  it('a flipped byte in the compressed stream: damaged', async () => {
    const data = await readFile(bundle);
    const bad = Buffer.from(data);
    const at = Math.floor(bad.length / 2);
    bad[at] = bad[at]! ^ 0xff;
    const f = join(work, 'flipped.tar.gz');
    await writeFile(f, bad);
    const res = await verifyBundle(f);
    expect(res.ok).toBe(false);
    expect(res.problems[0]).toMatch(/^archive damaged: |sha256 differs/);
  });

  it('a report of another schema version, sums intact: BundleVersionError naming the version', async () => {
    const t = await repack(
      bundle,
      async (root) => {
        const f = join(root, 'report.json');
        await writeFile(f, (await readFile(f, 'utf8')).replace(/"schemaVersion": "[^"]*"/, '"schemaVersion": "2.0"'));
        // a consistent bundle written by another isoproof: the sums are recomputed
        const sums = sh('sh', ['-c', "find . -type f ! -name SHA256SUMS | sed 's|^./||' | LC_ALL=C sort | xargs sha256sum"], root);
        await writeFile(join(root, 'SHA256SUMS'), sums);
      },
      'v2',
    );
    await expect(verifyBundle(t)).rejects.toThrow(BundleVersionError);
    await expect(verifyBundle(t)).rejects.toThrow('its report.json has schemaVersion "2.0"; this isoproof reads 1.0, 1.1');
  });

  it('a report.json that does not match the schema (sums recomputed): a problem', async () => {
    const t = await repack(
      bundle,
      async (root) => {
        const f = join(root, 'report.json');
        await writeFile(f, (await readFile(f, 'utf8')).replace('"verdict": "FAIL"', '"verdict": "MAYBE"'));
        const sums = sh('sh', ['-c', "find . -type f ! -name SHA256SUMS | sed 's|^./||' | LC_ALL=C sort | xargs sha256sum"], root);
        await writeFile(join(root, 'SHA256SUMS'), sums);
      },
      'schema',
    );
    const res = await verifyBundle(t);
    expect(res.problems).toEqual(["bundle report.json: not a valid isoproof 1.1 report: report.verdict: must be equal to one of the allowed values; regenerate it with 'isoproof run'"]);
  });

  it('bad input: missing file, not a gzip file', async () => {
    await expect(verifyBundle(join(work, 'missing.tar.gz'))).rejects.toThrow(BundleError);
    const f = join(work, 'plain.txt');
    await writeFile(f, 'hello');
    await expect(verifyBundle(f)).rejects.toThrow('is not a gzip file');
    expect(existsSync(bundle)).toBe(true);
  });
});
