import { codedError } from '@isoproof/core';
import { removeTempKubeconfigs } from '@isoproof/kube';

/** The signals that stop a run. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Exit codes of a run stopped by a signal (128 + signal number). */
export const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** Default longest time from the first signal to the exit: cleanup, report, exit. */
export const SHUTDOWN_DEADLINE_MS = 50_000;

/** The reason of the run's abort after a signal. */
export class InterruptedError extends codedError('ISOPROOF_INTERRUPTED') {
  readonly signal: StopSignal;
  constructor(signal: StopSignal) {
    super(`run interrupted by ${signal}`);
    this.signal = signal;
  }
}

export interface ShutdownOptions {
  /** Longest time from the first signal to the exit (default SHUTDOWN_DEADLINE_MS). */
  deadlineMs?: number;
  /** Where to say what is happening (default: stderr). */
  log?: (line: string) => void;
  /** Replaces process.exit (tests). */
  exit?: (code: number) => void;
}

/**
 * Owns the shutdown of a run. The first SIGINT/SIGTERM removes the kubeconfigs holding identity tokens
 * and aborts `signal`: the run stops starting new work, its in-flight step stops, and the run's own
 * code path cleans up (the same cleanup as at the end of a normal run), writes the partial report and
 * returns; the caller then exits with `exitCode()`. If that takes longer than the deadline, or a second
 * signal arrives, the process exits at once, saying what may be left (`leftovers`) and how to remove it.
 */
export class Shutdown {
  private readonly ac = new AbortController();
  private readonly log: (line: string) => void;
  private readonly exit: (code: number) => void;
  readonly deadlineMs: number;
  /** The first signal received. */
  received: StopSignal | undefined;
  /** When it was received (epoch ms). */
  receivedAt: number | undefined;
  /** What may be left on the cluster and the command that removes it (set by the run as it learns). */
  leftovers: () => string = () => 'nothing was created on a cluster yet';
  private timer: NodeJS.Timeout | undefined;
  private readonly handler = (s: NodeJS.Signals) => this.onSignal(s as StopSignal);

  constructor(opts: ShutdownOptions = {}) {
    this.log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    this.exit = opts.exit ?? ((code: number) => process.exit(code));
    this.deadlineMs = opts.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  }

  /** Aborted on the first signal; its reason is an InterruptedError. */
  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** Epoch ms by which the cleanup must be over (a margin before the hard exit); Infinity before a signal. */
  get cleanupDeadline(): number {
    return this.receivedAt === undefined ? Number.POSITIVE_INFINITY : this.receivedAt + this.deadlineMs - 5_000;
  }

  /** 130 or 143 once a signal arrived, else undefined. */
  exitCode(): number | undefined {
    return this.received ? SIGNAL_EXIT[this.received] : undefined;
  }

  install(): this {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
    return this;
  }

  /** Removes the handlers and the hard deadline (call when the run has returned). */
  uninstall(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
    clearTimeout(this.timer);
  }

  [Symbol.dispose](): void {
    this.uninstall();
  }

  /** What a signal does (public for tests that do not send real signals). */
  onSignal(sig: StopSignal): void {
    const code = SIGNAL_EXIT[sig] ?? 2;
    if (this.received) {
      this.log(`isoproof: ${sig} again: exiting now without finishing the cleanup; ${this.leftovers()}`);
      this.exit(code);
      return;
    }
    this.received = sig;
    this.receivedAt = Date.now();
    // Kubeconfigs holding identity tokens go first: nothing in the cleanup needs them.
    removeTempKubeconfigs();
    const secs = Math.round(this.deadlineMs / 1000);
    this.log(`isoproof: ${sig} received: stopping the run and cleaning up (at most ${secs}s; send it again to exit at once)`);
    this.timer = setTimeout(() => {
      this.log(`isoproof: shutdown did not finish within ${secs}s, exiting; ${this.leftovers()}`);
      this.exit(code);
    }, this.deadlineMs);
    this.timer.unref();
    this.ac.abort(new InterruptedError(sig));
  }
}
