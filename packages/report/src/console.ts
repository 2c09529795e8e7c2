import { defaultRedactor } from '@isoproof/core';
import type { Outcome, Redactor } from '@isoproof/core';
import { countVerdicts, scenarioLabel } from './model';
import type { Report, ScenarioReport } from './model';
import { VERDICT_ICON, WAIVED_ICON } from './util';

export interface ConsoleReporterOptions {
  /** Where to write (default process.stderr). */
  stream?: NodeJS.WritableStream;
  /** Live spinner and elapsed time when true; plain lines (CI logs) when false. Default: stream.isTTY. */
  isTTY?: boolean;
  redactor?: Redactor;
  /** Clock, for tests. */
  now?: () => number;
  /** Spinner refresh in ms (TTY only). Default 120. */
  intervalMs?: number;
  /** Print every `log` line (probe chatter) and not only the progress. Default false on TTY, true otherwise. */
  verbose?: boolean;
}

export interface ConsoleReporter {
  runStarted(info: { runId: string; provider: string; scenarios?: number }): void;
  scenarioStarted(scenario: string, overlay?: string): void;
  /** One criterion evaluated. */
  criterionDone(outcome: Outcome, scenario?: string): void;
  /** A scenario run finished; prints the outcomes not yet reported through criterionDone. */
  scenarioDone(result: ScenarioReport): void;
  /** Alias of scenarioDone (matches @isoproof/run's RunReporter). */
  scenarioFinished(result: ScenarioReport): void;
  /** A free progress line (pass it as `log` to runScenario). */
  log(line: string): void;
  /** Final summary; stops the spinner. */
  finish(report: Report): void;
  /** Stops the spinner without a summary (e.g. on SIGINT). */
  close(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function elapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

function outcomeLine(o: Outcome): string {
  const waived = o.verdict === 'PASS' && o.waiver?.state === 'active';
  const icon = waived ? WAIVED_ICON : VERDICT_ICON[o.verdict];
  const tag = waived ? 'PASS (waived)' : o.verdict;
  const why = o.verdict === 'PASS' && !waived ? '' : `: ${o.reason}`;
  return `  ${icon} ${tag.padEnd(12)} ${o.criterion.id} ${o.criterion.title}${why}`;
}

/**
 * Console progress for long runs. On a TTY a spinner line shows the current scenario and elapsed
 * time, erased before each printed line; otherwise plain, timestamped lines suited to CI logs.
 * Every line goes through the redactor.
 */
export function createConsoleReporter(opts: ConsoleReporterOptions = {}): ConsoleReporter {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.isTTY ?? Boolean((stream as { isTTY?: boolean }).isTTY);
  const redactor = opts.redactor ?? defaultRedactor;
  const now = opts.now ?? Date.now;
  const verbose = opts.verbose ?? !tty;
  const t0 = now();
  let current: { label: string; start: number } | undefined;
  let reported = new Set<string>();
  let frame = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let spinnerShown = false;

  const clearSpinner = () => {
    if (tty && spinnerShown) {
      stream.write('\r\x1b[2K');
      spinnerShown = false;
    }
  };
  const drawSpinner = () => {
    if (!tty || !current) return;
    const f = FRAMES[frame++ % FRAMES.length];
    const line = redactor.redactText(`${f} ${current.label} ${elapsed(now() - current.start)} (total ${elapsed(now() - t0)})`);
    stream.write(`\r\x1b[2K${line}`);
    spinnerShown = true;
  };
  const startTimer = () => {
    if (!tty || timer) return;
    timer = setInterval(drawSpinner, opts.intervalMs ?? 120);
    timer.unref?.();
  };
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const print = (line: string) => {
    clearSpinner();
    const text = redactor.redactText(tty ? line : `[${elapsed(now() - t0).padStart(6)}] ${line}`);
    stream.write(`${text}\n`);
    drawSpinner();
  };

  const reporter: ConsoleReporter = {
    runStarted(info) {
      print(`isoproof run ${info.runId} on provider ${info.provider}${info.scenarios !== undefined ? `: ${info.scenarios} scenario run(s)` : ''}`);
    },
    scenarioStarted(scenario, overlay) {
      const label = scenarioLabel({ scenario, ...(overlay ? { overlay } : {}) });
      current = { label, start: now() };
      reported = new Set();
      print(`▶ ${label}`);
      startTimer();
    },
    criterionDone(outcome) {
      reported.add(outcome.criterion.id);
      print(outcomeLine(outcome));
    },
    scenarioDone(result) {
      for (const o of result.outcomes) if (!reported.has(o.criterion.id)) print(outcomeLine(o));
      const c = countVerdicts(result.outcomes);
      print(
        `■ ${scenarioLabel(result)}: ${c.pass} pass${c.waived ? ` (${c.waived} waived)` : ''}, ${c.fail} fail, ${c.inconclusive} inconclusive in ${elapsed(result.durationMs)}`,
      );
      current = undefined;
      stopTimer();
      clearSpinner();
    },
    log(line) {
      if (verbose) print(`  · ${line}`);
      else if (current) {
        current.label = `${current.label.split(' — ')[0]} — ${line.length > 60 ? `${line.slice(0, 57)}...` : line}`;
        drawSpinner();
      }
    },
    finish(report) {
      stopTimer();
      current = undefined;
      const s = report.summary;
      print(
        `${VERDICT_ICON[report.verdict]} ${report.verdict}: ${s.total} criteria in ${s.scenarios} scenario run(s): ${s.pass} pass${s.waived ? ` (${s.waived} waived)` : ''}, ${s.fail} fail, ${s.inconclusive} inconclusive; ${elapsed(report.durationMs)}; exit code ${report.exitCode}`,
      );
      clearSpinner();
    },
    close() {
      stopTimer();
      clearSpinner();
      current = undefined;
    },
    scenarioFinished(result) {
      reporter.scenarioDone(result);
    },
  };
  return reporter;
}

/**
 * The whole report as plain console text (no colours, no spinner): a line per scenario run, a line per
 * criterion (reasons for the ones that did not plainly pass), the overlay proofs, whether a signal
 * stopped the run, and the summary (`isoproof report --format console` prints it).
 */
export function renderConsole(report: Report, opts: { redactor?: Redactor } = {}): string {
  const r = (opts.redactor ?? defaultRedactor).scrub(report);
  const lines: string[] = [];
  lines.push(`isoproof run ${r.run.id} · provider ${r.provider} · Kubernetes ${r.cluster.serverVersion} · ${r.tool.name} ${r.tool.version}`);
  for (const sc of r.scenarios) {
    const c = countVerdicts(sc.outcomes);
    lines.push('');
    lines.push(`${scenarioLabel(sc)}: ${c.pass} pass${c.waived ? ` (${c.waived} waived)` : ''}, ${c.fail} fail, ${c.inconclusive} inconclusive in ${elapsed(sc.durationMs)}`);
    for (const o of sc.outcomes) lines.push(outcomeLine(o));
  }
  if (r.proofs?.length) {
    lines.push('');
    lines.push('overlay proofs:');
    for (const p of r.proofs) {
      lines.push(`  ${p.ok ? VERDICT_ICON.PASS : VERDICT_ICON.FAIL} ${p.scenario}/${p.overlay} flips ${p.flips.join(', ') || 'nothing'}${p.ok ? '' : `: ${p.problems.join('; ')}`}`);
    }
  }
  const s = r.summary;
  lines.push('');
  if (r.interrupted) lines.push(`⏹ interrupted by ${r.interrupted.signal} during ${r.interrupted.during}: partial report, undecided criteria INCONCLUSIVE`);
  lines.push(
    `${VERDICT_ICON[r.verdict]} ${r.verdict}: ${s.total} criteria in ${s.scenarios} scenario run(s): ${s.pass} pass${s.waived ? ` (${s.waived} waived)` : ''}, ${s.fail} fail, ${s.inconclusive} inconclusive; ${elapsed(r.durationMs)}; exit code ${r.exitCode}`,
  );
  return `${lines.join('\n')}\n`;
}
