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

/** A criteria.yaml file is unreadable or does not match the criteria schema. */
export class CriteriaError extends IsoproofError {
  /** Every problem found, each a full one-line message (`message` holds the first). */
  readonly problems: string[];
  constructor(problems: string[], options?: { cause?: unknown }) {
    const first = problems[0] ?? 'invalid criteria';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('ISOPROOF_INVALID_CRITERIA', first + more, options);
    this.problems = problems;
  }
}

/** A waivers file is unreadable or invalid (bad date, missing owner, ...). */
export class WaiverError extends IsoproofError {
  readonly problems: string[];
  constructor(problems: string[], options?: { cause?: unknown }) {
    const first = problems[0] ?? 'invalid waivers';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('ISOPROOF_INVALID_WAIVER', first + more, options);
    this.problems = problems;
  }
}

export function isIsoproofError(e: unknown): e is IsoproofError {
  return e instanceof IsoproofError;
}
