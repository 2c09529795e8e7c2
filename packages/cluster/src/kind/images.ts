import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { images } from '@isoproof/core';
import { ProviderCommandError } from '../errors';
import type { CommandResult } from './docker';
import { lastLine, runCommand } from './docker';

/**
 * The project images a node must hold, in this order: the probe image (AGNHOST_TAG: scenario pods) and
 * PAUSE_TAG (the sandbox image of the local cluster and of the project-built kind node image), as
 * core's `images` reads them from clusters/local/versions.env.
 */
export const PROJECT_IMAGES: readonly string[] = Object.freeze([images.probe, images.pause]);

/**
 * The reference as containerd and Docker store it: registry host and `library/` for Docker Hub
 * names, `:latest` when no tag or digest is given. Used to compare image names. Pure.
 */
export function normalizeImageRef(ref: string): string {
  let name = ref;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) {
    suffix = name.slice(colon) + suffix;
    name = name.slice(0, colon);
  } else if (!suffix) suffix = ':latest';
  const first = name.split('/')[0]!;
  const hasHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasHost) name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  return name + suffix;
}

/** RepoTags of a `docker save` archive, from its manifest.json. Pure. */
export function archiveTags(manifestJson: string): string[] {
  let m: unknown;
  try {
    m = JSON.parse(manifestJson);
  } catch {
    return [];
  }
  if (!Array.isArray(m)) return [];
  return m.flatMap((e: { RepoTags?: unknown }) => (Array.isArray(e?.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : []));
}

/** `linux/<arch>` for Docker's or Node's architecture name (x86_64/x64 -> amd64, aarch64 -> arm64). Pure. */
export function linuxPlatform(arch: string): string {
  const a = arch.trim().toLowerCase();
  const map: Record<string, string> = { x64: 'amd64', x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', ppc64: 'ppc64le', ppc64le: 'ppc64le', s390x: 's390x' };
  return `linux/${map[a] ?? a}`;
}

/** Whether Docker API version `v` ("1.41") is at least `min`. Pure. */
export function apiAtLeast(v: string, min: string): boolean {
  const p = (x: string) => x.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const [a1 = 0, a2 = 0] = p(v);
  const [b1 = 0, b2 = 0] = p(min);
  return a1 !== b1 ? a1 > b1 : a2 >= b2;
}

/** Docker API version from which `docker save --platform` exists (Docker 28). */
export const SAVE_PLATFORM_API = '1.48';

/**
 * `docker save` of one image into a file. With an engine that knows `--platform` (API >= 1.48), only
 * the node's platform is saved: with Docker's containerd image store a multi-arch image saved whole
 * names platforms whose content is absent, and `ctr import --all-platforms` (what `kind load` runs)
 * fails on them (kind#3795). Older engines (classic store, single-platform images) save as is. Pure.
 */
export function dockerSaveArgs(image: string, out: string, engine: { apiVersion: string; platform: string }): string[] {
  return ['save', ...(apiAtLeast(engine.apiVersion, SAVE_PLATFORM_API) ? ['--platform', engine.platform] : []), '-o', out, image];
}

/** `crictl inspecti` in a node container: exit 0 when the node's containerd has the image. */
export function nodeHasImageArgs(node: string, image: string): string[] {
  return ['exec', node, 'crictl', 'inspecti', image];
}

/** Images a project image may be pulled for: never our own `isoproof.local/` builds. Pure. */
export function pullable(image: string): boolean {
  return !normalizeImageRef(image).startsWith('isoproof.local/');
}

export type ImageSource = 'node' | 'archive' | 'docker' | 'pulled';

export interface ImageLoaderOptions {
  cluster: string;
  /** Directory of `docker save` archives (ISOPROOF_IMAGE_ARCHIVES). */
  archivesDir?: string;
  dockerBinary?: string;
  tarBinary?: string;
  /** `kind load image-archive FILE --name CLUSTER` (the provider's kind runner, which throws). */
  kindLoadArchive: (file: string) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Gets images into the nodes of a kind cluster, cheapest source first: nothing when every node's
 * containerd has it (`crictl inspecti` through `docker exec`); else `kind load image-archive` of the
 * archive in `archivesDir` that carries the tag; else `docker save` (node platform only) of Docker's
 * copy into a private temp file, then `kind load image-archive`; else, for images that are not ours
 * and when allowed, `docker pull` first. Throws ProviderCommandError naming what to do otherwise.
 */
export class NodeImageLoader {
  private archives: Promise<Map<string, string>> | undefined;
  private engine: Promise<{ apiVersion: string; platform: string } | undefined> | undefined;
  private readonly docker: string;
  private readonly tar: string;

  constructor(private readonly o: ImageLoaderOptions) {
    this.docker = o.dockerBinary ?? 'docker';
    this.tar = o.tarBinary ?? 'tar';
  }

  private run(args: string[], timeoutMs = 60_000): Promise<CommandResult> {
    return runCommand(this.docker, args, { timeoutMs });
  }

  /** tag (normalized) -> archive file, read once from the archives' manifest.json. */
  archiveIndex(): Promise<Map<string, string>> {
    this.archives ??= (async () => {
      const index = new Map<string, string>();
      const dir = this.o.archivesDir;
      if (!dir || !existsSync(dir)) return index;
      for (const f of (await readdir(dir)).filter((n) => n.endsWith('.tar')).sort()) {
        const file = join(dir, f);
        const r = await runCommand(this.tar, ['-xOf', file, 'manifest.json'], { timeoutMs: 30_000 });
        if (r.exitCode !== 0) continue;
        for (const t of archiveTags(r.stdout)) if (!index.has(normalizeImageRef(t))) index.set(normalizeImageRef(t), file);
      }
      return index;
    })();
    return this.archives;
  }

  async archiveFor(image: string): Promise<string | undefined> {
    return (await this.archiveIndex()).get(normalizeImageRef(image));
  }

  /** Nodes whose containerd lacks the image. */
  async nodesMissing(image: string, nodes: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const n of nodes) if ((await this.run(nodeHasImageArgs(n, image), 30_000)).exitCode !== 0) missing.push(n);
    return missing;
  }

  async dockerHas(image: string): Promise<boolean> {
    return (await this.run(['image', 'inspect', '--format', '{{.Id}}', image], 30_000)).exitCode === 0;
  }

  private engineInfo(): Promise<{ apiVersion: string; platform: string } | undefined> {
    this.engine ??= this.run(['version', '--format', '{{.Server.APIVersion}} {{.Server.Arch}}'], 30_000).then((r) => {
      const [api, arch] = r.stdout.trim().split(/\s+/);
      return r.exitCode === 0 && api && arch ? { apiVersion: api, platform: linuxPlatform(arch) } : undefined;
    });
    return this.engine;
  }

  /** Into every node (see the class comment). Returns where the image came from. */
  async ensure(image: string, nodes: string[], o: { pull?: boolean } = {}): Promise<ImageSource> {
    const log = this.o.log ?? (() => {});
    if (nodes.length && (await this.nodesMissing(image, nodes)).length === 0) return 'node';
    const archive = await this.archiveFor(image);
    if (archive) {
      await this.o.kindLoadArchive(archive);
      log(`kind: loaded ${image} from ${archive}`);
      return 'archive';
    }
    let source: ImageSource = 'docker';
    if (!(await this.dockerHas(image))) {
      if (!o.pull || !pullable(image)) {
        throw new ProviderCommandError(
          `image ${image} is neither in the kind node, nor in an archive of ${this.o.archivesDir ? `ISOPROOF_IMAGE_ARCHIVES (${this.o.archivesDir})` : 'ISOPROOF_IMAGE_ARCHIVES (unset)'}, nor in Docker — build the images (clusters/local/build.sh) and set ISOPROOF_IMAGE_ARCHIVES to the directory of their .tar archives, or docker load it`,
        );
      }
      log(`kind: pulling ${image}`);
      const pull = await this.run(['pull', image], 300_000);
      if (pull.exitCode !== 0) throw new ProviderCommandError(`docker pull ${image} failed: ${lastLine(pull)}`);
      source = 'pulled';
    }
    const engine = await this.engineInfo();
    if (!engine) throw new ProviderCommandError(`docker version failed: cannot tell the engine's API version and platform to save ${image}`);
    const dir = await mkdtemp(join(tmpdir(), 'isoproof-kind-image-'));
    try {
      await chmod(dir, 0o700);
      const file = join(dir, 'image.tar');
      const save = await this.run(dockerSaveArgs(image, file, engine), 300_000);
      if (save.exitCode !== 0) throw new ProviderCommandError(`docker save ${image} failed: ${lastLine(save)}`);
      await this.o.kindLoadArchive(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    log(`kind: loaded ${image} from Docker${source === 'pulled' ? ' (pulled)' : ''} (${engine.platform})`);
    return source;
  }

  /**
   * The image in Docker itself (the external listener runs there): present, or `docker load`ed from
   * its archive. False when neither.
   */
  async ensureInDocker(image: string): Promise<boolean> {
    if (await this.dockerHas(image)) return true;
    const archive = await this.archiveFor(image);
    if (!archive) return false;
    const r = await this.run(['load', '-i', archive], 300_000);
    if (r.exitCode !== 0) {
      this.o.log?.(`docker load -i ${archive} failed: ${lastLine(r)}`);
      return false;
    }
    this.o.log?.(`docker: loaded ${image} from ${archive}`);
    return this.dockerHas(image);
  }
}
