import { redactText } from '@isoproof/core';

/** Where the CLI prints: stdout for results, stderr for progress and errors. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Every line the CLI prints goes through the redactor: a secret value registered by a probe (or
 * shaped like a token) never reaches the terminal or a CI log, whatever path printed it. */
const line = (s: string): string => {
  const r = redactText(s);
  return r.endsWith('\n') ? r : `${r}\n`;
};

/** The process's stdout and stderr, each line redacted. */
export const stdio: Io = {
  out: (s) => process.stdout.write(line(s)),
  err: (s) => process.stderr.write(line(s)),
};
