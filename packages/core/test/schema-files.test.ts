import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CRITERIA_SCHEMA } from '../src/criteria-schema';
import { WAIVERS_SCHEMA } from '../src/waivers';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');

// The published schema files (for editors: `# yaml-language-server: $schema=...`) stay in sync with the code.
describe('published JSON Schema files', () => {
  it.each([
    ['criteria.schema.json', CRITERIA_SCHEMA],
    ['waivers.schema.json', WAIVERS_SCHEMA],
  ])('%s', async (name, schema) => {
    const text = `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema }, null, 2)}\n`;
    const file = join(DIR, name);
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, text);
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});
