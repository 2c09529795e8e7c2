import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

/**
 * Reads and parses a YAML file; failures become `fail([line])` errors naming the file:
 * `<file>: cannot read <what> (ENOENT)` or `<file>: not valid YAML: <first line of the parser message>`.
 */
export async function readYamlFile(file: string, what: string, fail: (problems: string[], cause: unknown) => Error): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail([`${file}: cannot read ${what} (${code ?? String(e)})`], e);
  }
  return parseYamlText(text, file, fail);
}

export function parseYamlText(text: string, source: string, fail: (problems: string[], cause: unknown) => Error): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    throw fail([`${source}: not valid YAML: ${String((e as Error).message ?? e).split('\n')[0]}`], e);
  }
}
