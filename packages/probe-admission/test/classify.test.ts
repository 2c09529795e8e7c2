import { describe, expect, it } from 'vitest';
import { classifyAdmission } from '../src/classify';

const forbidden = (message: string) => ({ status: 403, reason: 'Forbidden', message });

describe('classifyAdmission', () => {
  it.each([
    [{ status: 201 }, 'allowed'],
    [forbidden('pods "p" is forbidden: violates PodSecurity "restricted:latest": hostNetwork=true'), 'denied'],
    [forbidden('pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "x"'), 'error'],
    [{ status: 422, reason: 'Invalid', message: 'bad' }, 'error'],
    [{ status: 500 }, 'error'],
  ])('%j -> %s', (answer, outcome) => {
    expect(classifyAdmission(answer).outcome).toBe(outcome);
  });
});
