// Test support of secret-hygiene: the canary values its overlays plant, so tests can assert that none
// reaches any output.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeHelmRelease } from '@isoproof/probe-secrets';
import { parseAllDocuments } from 'yaml';

const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Shape of the fake values the overlays plant (see .gitleaks.toml, rule isoproof-canary). */
export const CANARY_PATTERN = /isoproof-canary-[a-z0-9-]{2,40}-[A-Za-z0-9]{16,}/g;

/**
 * Every canary value planted by the overlays, including those inside encoded payloads (Helm
 * releases: base64, base64, gzip, JSON). The canary test asserts none of them reaches any output.
 */
export async function plantedCanaries(dir = SCENARIO_DIR): Promise<string[]> {
  const found = new Set<string>();
  const overlaysDir = join(dir, 'overlays');
  for (const o of await readdir(overlaysDir, { withFileTypes: true })) {
    if (!o.isDirectory()) continue;
    for (const f of await readdir(join(overlaysDir, o.name))) {
      if (!/\.ya?ml$/.test(f)) continue;
      const text = await readFile(join(overlaysDir, o.name, f), 'utf8');
      for (const m of text.matchAll(CANARY_PATTERN)) found.add(m[0]);
      for (const doc of parseAllDocuments(text)) {
        const obj = doc.toJS() as { kind?: string; type?: string; data?: Record<string, string> } | null;
        if (obj?.kind === 'Secret' && obj.type === 'helm.sh/release.v1' && obj.data?.['release']) {
          const rel = JSON.stringify(decodeHelmRelease(obj.data['release'], { fromSecretData: true }));
          for (const m of rel.matchAll(CANARY_PATTERN)) found.add(m[0]);
        }
      }
    }
  }
  return [...found].sort();
}
