import { codedError, IsoproofError } from '@isoproof/core';

/** Thrown when a bounded step of a run exceeds its time budget. */
export class StepTimeoutError extends codedError('ISOPROOF_TIMEOUT') {
  constructor(step: string, ms: number) {
    super(`${step} did not finish within ${ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`}`);
  }
}

/**
 * Runs `fn` with a time budget. The AbortSignal handed to `fn` fires on timeout or when `parent`
 * aborts, so well-behaved steps stop their own work; the returned promise settles at the deadline
 * either way.
 */
export async function withTimeout<T>(
  step: string,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
  opts: { settleMs?: number } = {},
): Promise<T> {
  const ac = new AbortController();
  const onParentAbort = () => ac.abort(parent?.reason);
  if (parent?.aborted) throw new IsoproofError('ISOPROOF_ABORTED', `${step} aborted`);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new StepTimeoutError(step, ms);
      ac.abort(err);
      reject(err);
    }, ms);
    timer.unref?.();
  });
  let work: Promise<T> | undefined;
  const aborted = new Promise<never>((_, reject) => {
    ac.signal.addEventListener(
      'abort',
      () => {
        const err = ac.signal.reason instanceof Error ? ac.signal.reason : new IsoproofError('ISOPROOF_ABORTED', `${step} aborted`);
        // Interrupted by the parent (a signal): give the step up to settleMs to stop what it was doing
        // (an apply finishes its current object), so cleanup does not race objects still being created.
        const settle = parent?.aborted ? (opts.settleMs ?? 0) : 0;
        if (settle <= 0 || !work) {
          reject(err);
          return;
        }
        let t: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((r) => {
          t = setTimeout(r, settle);
        });
        void Promise.race([work.then(() => undefined, () => undefined), grace]).then(() => {
          clearTimeout(t);
          reject(err);
        });
      },
      { once: true },
    );
  });
  try {
    work = fn(ac.signal);
    return await Promise.race([work, deadline, aborted]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
    // Silence the losers of the race.
    deadline.catch(() => undefined);
    aborted.catch(() => undefined);
  }
}

/** How long an interrupted step may take to stop what it is doing (an apply finishes its current
 * object, a probe deletes its pod) before the cleanup starts. */
export const SETTLE_MS = 5_000;

/** Time budgets of the steps of a scenario run, in milliseconds. */
export interface Timeouts {
  apply: number;
  ready: number;
  prepare: number;
  /** Per probe family. */
  family: number;
  destroy: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  apply: 120_000,
  ready: 300_000,
  prepare: 180_000,
  family: 600_000,
  destroy: 180_000,
};
