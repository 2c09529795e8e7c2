import { readFileSync } from 'node:fs';
import type { Outcome, ReportSection, Run, Verdict } from '@isoproof/core';

/**
 * Version of the JSON report format. Bump the minor for additions, the major for breaking changes.
 * 1.1 added `interrupted`.
 */
export const REPORT_SCHEMA_VERSION = '1.1' as const;

/** The report versions this isoproof reads (every 1.x up to its own). */
export const READABLE_REPORT_VERSIONS: readonly string[] = ['1.0', '1.1'];

/** Set when a signal stopped the run: the report is partial. */
export interface ReportInterruption {
  signal: 'SIGINT' | 'SIGTERM';
  /** Where the run was: "cluster setup", "tenant-isolation/egress-open: readiness", "cleanup"... */
  during: string;
}

/** One scenario run (baseline or one overlay); the same shape as @isoproof/run's ScenarioResult. */
export interface ScenarioReport {
  scenario: string;
  overlay?: string;
  outcomes: Outcome[];
  sections: ReportSection[];
  durationMs: number;
}

export interface VerdictCounts {
  /** Criteria outcomes counted (one per criterion per scenario run). */
  total: number;
  pass: number;
  fail: number;
  inconclusive: number;
  /** PASS outcomes that needed an active waiver (also counted in `pass`). */
  waived: number;
}

export interface ReportSummary extends VerdictCounts {
  /** Scenario runs (baseline and overlays). */
  scenarios: number;
}

/**
 * Exit codes: 1 if any criterion FAILs; else 2 if any is INCONCLUSIVE or nothing was evaluated at all
 * (an empty run proves nothing); else 0 (all PASS, waived ones included).
 */
export type ExitCode = 0 | 1 | 2;

/** The JSON report, the source of truth every other format is rendered from. */
/** What an overlay run proved: it flipped exactly the criteria it names (only in overlay-proof runs). */
export interface OverlayProof {
  scenario: string;
  overlay: string;
  flips: string[];
  ok: boolean;
  problems: string[];
}

/** The isoproof version (the workspace packages share one version); '0.0.0' when unreadable. */
export function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Name and version of the tool, as reports carry them. */
export const DEFAULT_TOOL: { readonly name: 'isoproof'; readonly version: string } = { name: 'isoproof', version: toolVersion() };

export interface Report {
  /** REPORT_SCHEMA_VERSION when written by this isoproof; an older 1.x when read from a file. */
  schemaVersion: string;
  tool: { name: string; version: string };
  run: Run;
  finishedAt: string;
  /** finishedAt - run.startedAt, in milliseconds. */
  durationMs: number;
  provider: string;
  cluster: { serverVersion: string };
  /** Overall verdict: FAIL if any FAIL, else INCONCLUSIVE if any (or none evaluated), else PASS. */
  verdict: Verdict;
  exitCode: ExitCode;
  summary: ReportSummary;
  scenarios: ScenarioReport[];
  /**
   * Overlay proofs (runs with every seeded violation). When present the overlay runs are expected to
   * FAIL what they flip, so verdict and exitCode follow the proof rule: FAIL (1) if a baseline
   * criterion FAILs or a proof is broken; else INCONCLUSIVE (2) if anything is INCONCLUSIVE; else PASS.
   */
  proofs?: OverlayProof[];
  /**
   * Present when a signal stopped the run: criteria it did not decide are INCONCLUSIVE ("not decided:
   * the run was interrupted"), and the process exited 130 (SIGINT) or 143 (SIGTERM). A signal during the
   * final cleanup leaves every verdict decided (`during: "cleanup"`).
   */
  interrupted?: ReportInterruption;
}

export interface BuildReportInput {
  run: Run;
  /** Defaults to DEFAULT_TOOL. */
  tool?: { name: string; version: string };
  provider: string;
  cluster?: { serverVersion: string };
  /** Shorthand for cluster.serverVersion. */
  serverVersion?: string;
  scenarios: ScenarioReport[];
  proofs?: OverlayProof[];
  interrupted?: ReportInterruption;
  /** Defaults to now. */
  finishedAt?: string | Date;
}

export function countVerdicts(outcomes: ReadonlyArray<Pick<Outcome, 'verdict' | 'waiver'>>): VerdictCounts {
  const c: VerdictCounts = { total: 0, pass: 0, fail: 0, inconclusive: 0, waived: 0 };
  for (const o of outcomes) {
    c.total++;
    if (o.verdict === 'PASS') {
      c.pass++;
      if (o.waiver?.state === 'active') c.waived++;
    } else if (o.verdict === 'FAIL') c.fail++;
    else c.inconclusive++;
  }
  return c;
}

export function overallVerdict(c: VerdictCounts): Verdict {
  if (c.fail > 0) return 'FAIL';
  if (c.inconclusive > 0 || c.total === 0) return 'INCONCLUSIVE';
  return 'PASS';
}

/**
 * The `exitCode` a report records for its verdict: PASS 0, FAIL 1, INCONCLUSIVE 2. Which code a run
 * exits with is @isoproof/run's decision (its exit-code rule reads this table).
 */
export const VERDICT_EXIT_CODE: Readonly<Record<Verdict, ExitCode>> = { PASS: 0, FAIL: 1, INCONCLUSIVE: 2 };

/** Display name of a scenario run: `name` or `name/overlay`. */
export function scenarioLabel(s: Pick<ScenarioReport, 'scenario' | 'overlay'>): string {
  return s.overlay ? `${s.scenario}/${s.overlay}` : s.scenario;
}

export function buildReport(input: BuildReportInput): Report {
  const finished =
    input.finishedAt === undefined ? new Date() : input.finishedAt instanceof Date ? input.finishedAt : new Date(input.finishedAt);
  const all = input.scenarios.flatMap((s) => s.outcomes);
  const counts = countVerdicts(all);
  const proofMode = Boolean(input.proofs && input.proofs.length > 0);
  const verdict = proofMode && input.proofs ? proofVerdict(input.scenarios, input.proofs) : overallVerdict(counts);
  const started = Date.parse(input.run.startedAt);
  const tool = input.tool ?? DEFAULT_TOOL;
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: tool.name, version: tool.version },
    run: { id: input.run.id, startedAt: input.run.startedAt },
    finishedAt: finished.toISOString(),
    durationMs: Number.isNaN(started) ? 0 : Math.max(0, finished.getTime() - started),
    provider: input.provider,
    cluster: { serverVersion: input.cluster?.serverVersion ?? input.serverVersion ?? 'unknown' },
    verdict,
    exitCode: VERDICT_EXIT_CODE[verdict],
    summary: { ...counts, scenarios: input.scenarios.length },
    scenarios: input.scenarios,
  };
  if (proofMode && input.proofs) report.proofs = input.proofs;
  if (input.interrupted) report.interrupted = { signal: input.interrupted.signal, during: input.interrupted.during };
  return report;
}

/** Verdict of an overlay-proof run (see Report.proofs). */
export function proofVerdict(scenarios: ScenarioReport[], proofs: OverlayProof[]): Verdict {
  const baseline = countVerdicts(scenarios.filter((s) => !s.overlay).flatMap((s) => s.outcomes));
  const overlays = countVerdicts(scenarios.filter((s) => s.overlay).flatMap((s) => s.outcomes));
  if (baseline.fail > 0 || proofs.some((p) => !p.ok)) return 'FAIL';
  if (baseline.inconclusive > 0 || overlays.inconclusive > 0 || baseline.total + overlays.total === 0) return 'INCONCLUSIVE';
  return 'PASS';
}
