import { IsoproofError } from '@isoproof/core';

/** An attempt the planner cannot turn into a request (unknown resource or verb): fix the criterion's spec. */
export class RbacPlanError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_RBAC_PLAN', message, options);
  }
}
