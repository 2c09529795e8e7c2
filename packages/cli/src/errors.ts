import { codedError, IsoproofError } from '@isoproof/core';

/** Bad command line: unknown command or flag, missing or conflicting flags. */
export class UsageError extends codedError('ISOPROOF_USAGE') {}

/** One line for stderr: the message of the error, without stack (unless debug). */
export function formatError(err: unknown, debug: boolean): string {
  if (debug) {
    const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
    const code = err instanceof IsoproofError ? ` [${err.code}]` : '';
    return `isoproof: ${stack}${code}`;
  }
  let msg = err instanceof Error ? err.message : String(err);
  msg = msg.split('\n').map((l) => l.trim()).filter(Boolean).join(' ') || 'unknown error';
  if (!(err instanceof IsoproofError)) msg += ' (unexpected error; rerun with --debug for the stack)';
  return `isoproof: ${msg}`;
}
