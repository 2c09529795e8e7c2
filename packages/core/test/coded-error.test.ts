import { describe, expect, it } from 'vitest';
import { IsoproofError, codedError, isIsoproofError } from '../src/index';

class SampleError extends codedError('ISOPROOF_SAMPLE') {}

describe('codedError', () => {
  it('makes a one-line class with a stable code, its own name and the cause', () => {
    const cause = new Error('inner');
    const e = new SampleError('fix the sample', { cause });
    expect(e).toBeInstanceOf(SampleError);
    expect(e).toBeInstanceOf(IsoproofError);
    expect(isIsoproofError(e)).toBe(true);
    expect(e.code).toBe('ISOPROOF_SAMPLE');
    expect(SampleError.code).toBe('ISOPROOF_SAMPLE');
    expect(e.name).toBe('SampleError');
    expect(e.message).toBe('fix the sample');
    expect(e.cause).toBe(cause);
  });
});
