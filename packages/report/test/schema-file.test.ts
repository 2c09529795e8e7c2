import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { REPORT_SCHEMA } from '../src/schema';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'report-1.1.schema.json');

it('schema/report-1.1.schema.json is in sync with REPORT_SCHEMA', async () => {
  const text = `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...REPORT_SCHEMA }, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(FILE, text);
  expect(await readFile(FILE, 'utf8')).toBe(text);
});
