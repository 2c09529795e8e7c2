import type { Io } from '../io';
import { UsageError } from '../errors';

/** `isoproof verify FILE.tar.gz`: 0 intact, 1 tampered or damaged, 2 bad input. */
export async function cmdVerify(v: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError("name one bundle: 'isoproof verify FILE.tar.gz'");
  const { verifyBundle } = await import('@isoproof/bundle');
  const res = await verifyBundle(positionals[0] as string);
  if (v.json === true) {
    const { report, provenance, ...rest } = res;
    io.out(
      JSON.stringify(
        {
          ...rest,
          ...(report ? { run: report.run, verdict: report.verdict, exitCode: report.exitCode, summary: report.summary } : {}),
          ...(provenance ? { provenance } : {}),
        },
        null,
        2,
      ),
    );
    return res.ok ? 0 : 1;
  }
  if (!res.ok) {
    io.out(`TAMPERED or damaged: ${res.file} (sha256 ${res.sha256}): ${res.problems.length} problem(s)`);
    for (const p of res.problems.slice(0, 50)) io.out(`  ${p}`);
    if (res.problems.length > 50) io.out(`  ... and ${res.problems.length - 50} more`);
    return 1;
  }
  const r = res.report!;
  const p = res.provenance;
  const s = r.summary;
  io.out(`intact: ${res.file}: ${res.files} files match SHA256SUMS, none added or removed; report.json valid (schema ${r.schemaVersion})`);
  io.out(`sha256 ${res.sha256}`);
  io.out(
    `run ${r.run.id} on ${r.provider}, Kubernetes ${r.cluster.serverVersion}, ${r.tool.name} ${r.tool.version}${p?.source?.commit ? `, commit ${p.source.commit}${p.source.dirty ? ' (dirty)' : ''}` : ''}`,
  );
  if (p?.command) io.out(`command: ${p.command}`);
  const waivers = p?.waivers?.list ?? [];
  if (waivers.length) io.out(`waivers: ${waivers.map((w) => `${w.criterion} ${w.state} until ${w.expires} (${w.owner})`).join('; ')}`);
  const icon = { PASS: '✅', FAIL: '❌', INCONCLUSIVE: '⚠️' }[r.verdict];
  io.out(
    `verdict: ${icon} ${r.verdict}: ${s.total} criteria in ${s.scenarios} scenario run(s): ${s.pass} pass${s.waived ? ` (${s.waived} waived)` : ''}, ${s.fail} fail, ${s.inconclusive} inconclusive${
      r.proofs?.length ? `; overlay proofs ${r.proofs.filter((x) => x.ok).length}/${r.proofs.length} hold` : ''
    }${r.interrupted ? `; interrupted by ${r.interrupted.signal} during ${r.interrupted.during} (partial)` : ''}`,
  );
  return 0;
}
