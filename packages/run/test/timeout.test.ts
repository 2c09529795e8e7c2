import { describe, expect, it } from 'vitest';
import { StepTimeoutError, withTimeout } from '../src/timeout';

describe('withTimeout', () => {
  it('returns the value of a step that finishes in time', async () => {
    await expect(withTimeout('quick', 1_000, async () => 42)).resolves.toBe(42);
  });
  it('rejects at the deadline and aborts the step signal', async () => {
    let aborted = false;
    const p = withTimeout('slow step', 50, (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise<number>(() => undefined);
    });
    await expect(p).rejects.toBeInstanceOf(StepTimeoutError);
    await expect(p).rejects.toMatchObject({ code: 'ISOPROOF_TIMEOUT' });
    expect(aborted).toBe(true);
  });
  it('rejects when the parent signal aborts', async () => {
    const ac = new AbortController();
    const p = withTimeout('long', 10_000, () => new Promise<number>(() => undefined), ac.signal);
    ac.abort(new Error('interrupted'));
    await expect(p).rejects.toThrow('interrupted');
  });
  it('refuses to start when the parent is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(withTimeout('x', 1_000, async () => 1, ac.signal)).rejects.toMatchObject({ code: 'ISOPROOF_ABORTED' });
  });
});

describe('withTimeout settleMs (a signal stops a step)', () => {
  it('waits for the step to stop, up to settleMs, before rejecting', async () => {
    const ac = new AbortController();
    let stoppedAt = 0;
    const p = withTimeout(
      'apply',
      10_000,
      (signal) =>
        new Promise<number>((_, reject) => {
          signal.addEventListener('abort', () => setTimeout(() => ((stoppedAt = Date.now()), reject(new Error('stopped'))), 100));
        }),
      ac.signal,
      { settleMs: 2_000 },
    );
    ac.abort(new Error('interrupted'));
    await expect(p).rejects.toThrow(/interrupted|stopped/);
    expect(stoppedAt).toBeGreaterThan(0);
  });
  it('a step that ignores the signal is given up after settleMs', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = withTimeout('stuck', 10_000, () => new Promise<number>(() => undefined), ac.signal, { settleMs: 200 });
    ac.abort(new Error('interrupted'));
    await expect(p).rejects.toThrow('interrupted');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
