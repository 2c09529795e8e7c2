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

/** Options every error class takes: the underlying cause, if any. */
export interface ErrorOptions {
  cause?: unknown;
}

/** The constructor `codedError` returns: `new (message, options?)`, with the code as a static. */
export interface CodedErrorClass {
  new (message: string, options?: ErrorOptions): IsoproofError;
  readonly code: string;
}

/**
 * The base of an error class with one stable code, so a class is one line:
 * `export class KubeconfigError extends codedError('ISOPROOF_KUBECONFIG') {}`.
 * `name` is the subclass's own name; `code` is on the instance and the class.
 */
export function codedError(code: string): CodedErrorClass {
  return class extends IsoproofError {
    static readonly code = code;
    constructor(message: string, options?: ErrorOptions) {
      super(code, message, options);
    }
  };
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
