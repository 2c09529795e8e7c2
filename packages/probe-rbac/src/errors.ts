import { codedError } from '@isoproof/core';

/** An attempt the planner cannot turn into a request (unknown resource or verb): fix the criterion's spec. */
export class RbacPlanError extends codedError('ISOPROOF_RBAC_PLAN') {}
