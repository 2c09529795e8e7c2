/**
 * Error classes of isoproof. Every error carries a stable `code` (ISOPROOF_*) and a one-line message
 * naming what to fix. Other packages extend IsoproofError with their own codes.
 */
export class IsoproofError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An error carrying a list of one-line problems; `message` is the first, with a count of the rest. */
export class ProblemsError extends IsoproofError {
  readonly problems: string[];
  constructor(code: string, problems: string[], fallback: string, options?: { cause?: unknown }) {
    const first = problems[0] ?? fallback;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(code, first + more, options);
    this.problems = problems;
  }
}

/** A criteria.yaml file is unreadable or does not match the criteria schema. */
export class CriteriaError extends ProblemsError {
  constructor(problems: string[], options?: { cause?: unknown }) {
    super('ISOPROOF_INVALID_CRITERIA', problems, 'invalid criteria', options);
  }
}

/** A waivers file is unreadable or invalid (bad date, missing owner, ...). */
export class WaiverError extends ProblemsError {
  constructor(problems: string[], options?: { cause?: unknown }) {
    super('ISOPROOF_INVALID_WAIVER', problems, 'invalid waivers', options);
  }
}

export function isIsoproofError(e: unknown): e is IsoproofError {
  return e instanceof IsoproofError;
}
