import type { ResourceRef } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import type { FoundSecret } from './findings';
import { toFound } from './findings';
import { scanText } from './scan-text';
import type { ScanOptions } from './sources';
import { ruleOpts } from './sources';

/** Bounded log text of one container: every rule hit with its line number in the fetched tail. */
export function scanLog(
  pod: ResourceRef,
  container: string,
  text: string,
  opts: ScanOptions & { lineOffset?: number } = {},
): FoundSecret[] {
  const hits = scanText(text, ruleOpts(opts));
  const found = toFound(hits, { resource: pod, source: 'log', path: `log[${container}]`, lineOffset: opts.lineOffset ?? 0 }, opts.redactor ?? defaultRedactor);
  return found;
}
