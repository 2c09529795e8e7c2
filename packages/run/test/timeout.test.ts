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
