import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codedError } from './errors';

/**
 * The container images isoproof runs, read from their one source: the env files the cluster scripts
 * source. Code imports `images`; manifests write `${ISOPROOF_PROBE_IMAGE}` (see IMAGE_PLACEHOLDERS);
 * workflows and scripts source the same files. Edit a tag there and nowhere else.
 *
 *   clusters/local/versions.env   AGNHOST_TAG, PAUSE_TAG, COREDNS_TAG (the images the local build makes)
 *   clusters/kind/versions.env    TRAEFIK_IMAGE (the offline kind node's Traefik)
 *
 * The tags stay in these files because the build caches are keyed by their bytes.
 */
export type ProjectImages = {
  /** AGNHOST_TAG: agnhost plus the in-pod prober and inspector; every probe and scenario pod runs it. */
  readonly probe: string;
  /** PAUSE_TAG: the sandbox image, and a pod that only sleeps. */
  readonly pause: string;
  /** COREDNS_TAG: the local cluster's DNS. */
  readonly coredns: string;
  /** TRAEFIK_IMAGE: the ingress controller built into the offline kind node image. */
  readonly traefik: string;
};

/** The source files, relative to the repository root. */
export const IMAGE_SOURCES = { local: 'clusters/local/versions.env', kind: 'clusters/kind/versions.env' } as const;

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** An image source file is missing or lacks one of its image lines. */
export class ImageSourceError extends codedError('ISOPROOF_IMAGE_SOURCE') {}

/** KEY=VALUE lines of an env file (comments and blank lines skipped, one level of quotes removed). Pure. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

function readSource(file: string, keys: string[]): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(join(REPO, file), 'utf8');
  } catch (e) {
    throw new ImageSourceError(`${file} cannot be read: it holds the project's image tags`, { cause: e });
  }
  const env = parseEnvFile(text);
  const missing = keys.find((k) => !env[k]);
  if (missing) throw new ImageSourceError(`${file}: ${missing}= is missing: it names one of the project's images`);
  return env;
}

function readImages(): ProjectImages {
  const local = readSource(IMAGE_SOURCES.local, ['AGNHOST_TAG', 'PAUSE_TAG', 'COREDNS_TAG']);
  const kind = readSource(IMAGE_SOURCES.kind, ['TRAEFIK_IMAGE']);
  return Object.freeze({ probe: local.AGNHOST_TAG!, pause: local.PAUSE_TAG!, coredns: local.COREDNS_TAG!, traefik: kind.TRAEFIK_IMAGE! });
}

/** The project's images, read once from their source. */
export const images: ProjectImages = readImages();

/**
 * What a manifest may write instead of an image tag (`image: ${ISOPROOF_PROBE_IMAGE}`); the manifest
 * loader substitutes them. Only the images every provider loads into its nodes.
 */
export const IMAGE_PLACEHOLDERS: Readonly<Record<string, string>> = Object.freeze({
  ISOPROOF_PROBE_IMAGE: images.probe,
  ISOPROOF_PAUSE_IMAGE: images.pause,
});
