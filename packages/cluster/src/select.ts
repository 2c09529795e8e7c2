import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { $, which } from 'zx';
import { ProviderConfigError } from './errors';
import { ExistingProvider } from './existing/index';
import { KindProvider } from './kind/provider';
import { LocalProvider } from './local/index';
import type { ClusterProvider, ProviderName } from './types';

export const PROVIDER_NAMES: readonly ProviderName[] = ['kind', 'existing', 'local'];

export interface ProviderInputs {
  /** Explicit --provider. */
  flag?: string;
  /** --kubeconfig given. */
  kubeconfig?: string;
  dockerUsable: boolean;
  kindOnPath: boolean;
}

/**
 * The provider decision, pure: explicit flag, else `existing` if a kubeconfig is given, else `kind`
 * if Docker answers and kind is on PATH, else `local`.
 */
export function decideProvider(i: ProviderInputs): { name: ProviderName; why: string } {
  if (i.flag) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(i.flag)) {
      throw new ProviderConfigError(`unknown provider "${i.flag}" — use one of ${PROVIDER_NAMES.join(', ')}`);
    }
    return { name: i.flag as ProviderName, why: 'chosen with --provider' };
  }
  if (i.kubeconfig) return { name: 'existing', why: 'a kubeconfig was given' };
  if (i.dockerUsable && i.kindOnPath) return { name: 'kind', why: 'Docker answers and kind is on PATH' };
  const missing = [i.dockerUsable ? '' : 'Docker does not answer', i.kindOnPath ? '' : 'kind is not on PATH'].filter(Boolean);
  return { name: 'local', why: missing.join(' and ') };
}

/** Settings of the kind provider a user gives (flags, else environment). */
export interface KindSettings {
  /** Node image (`--node-image`, ISOPROOF_KIND_NODE_IMAGE); kind's default when unset. */
  nodeImage?: string;
  /** kind config file (`--kind-config`, ISOPROOF_KIND_CONFIG); clusters/kind/isoproof.yaml when unset. */
  config?: string;
  /** Traefik image to run instead of the manifest's (ISOPROOF_KIND_TRAEFIK_IMAGE). */
  traefikImage?: string;
  /** Directory of the project's `docker save` archives (ISOPROOF_IMAGE_ARCHIVES). */
  imageArchives?: string;
}

/** Environment variables of the kind provider, by setting. */
export const KIND_ENV = {
  nodeImage: 'ISOPROOF_KIND_NODE_IMAGE',
  config: 'ISOPROOF_KIND_CONFIG',
  traefikImage: 'ISOPROOF_KIND_TRAEFIK_IMAGE',
  imageArchives: 'ISOPROOF_IMAGE_ARCHIVES',
} as const;

const FLAG_OF: Record<keyof KindSettings, string> = {
  nodeImage: '--node-image',
  config: '--kind-config',
  traefikImage: KIND_ENV.traefikImage,
  imageArchives: KIND_ENV.imageArchives,
};

/**
 * The kind settings: each flag value, else its environment variable (empty counts as unset); files
 * and directories resolved and checked. Throws ProviderConfigError (one line naming the flag or the
 * variable) for a config file or archive directory that does not exist. Pure but for the file checks.
 */
export function resolveKindSettings(flags: KindSettings = {}, env: NodeJS.ProcessEnv = process.env): KindSettings {
  const out: KindSettings = {};
  for (const key of Object.keys(KIND_ENV) as Array<keyof KindSettings>) {
    const fromFlag = flags[key];
    const value = fromFlag || env[KIND_ENV[key]] || undefined;
    if (!value) continue;
    const where = fromFlag ? FLAG_OF[key] : KIND_ENV[key];
    if (key === 'config') {
      const file = resolve(value);
      if (!existsSync(file) || !statSync(file).isFile()) throw new ProviderConfigError(`kind config not found: ${file}; fix ${where}`);
      out.config = file;
    } else if (key === 'imageArchives') {
      const dir = resolve(value);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ProviderConfigError(`image archive directory not found: ${dir}; fix ${where}`);
      out.imageArchives = dir;
    } else out[key] = value;
  }
  return out;
}

export interface SelectOptions {
  /** Explicit provider (--provider); `provider` is accepted as an alias. */
  flag?: string;
  provider?: string;
  kubeconfig?: string;
  context?: string;
  /** Cluster name for kind/local. */
  name?: string;
  /** kind settings from flags; the ISOPROOF_KIND_* / ISOPROOF_IMAGE_ARCHIVES environment fills the rest. */
  kind?: KindSettings;
  /** Environment to read the kind settings from (default process.env). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export async function dockerUsable(timeoutMs = 5_000): Promise<boolean> {
  if (!(await which('docker', { nothrow: true }))) return false;
  const out = await $({ quiet: true, nothrow: true, timeout: timeoutMs })`docker info --format ${'{{.ServerVersion}}'}`;
  return out.exitCode === 0;
}

export async function kindOnPath(): Promise<boolean> {
  return Boolean(await which('kind', { nothrow: true }));
}

/** Build the provider for these options (probing Docker and kind only when needed). */
export async function selectProvider(o: SelectOptions = {}): Promise<ClusterProvider> {
  const flag = o.flag ?? o.provider;
  const needProbe = !flag && !o.kubeconfig;
  const { name, why } = decideProvider({
    ...(flag ? { flag } : {}),
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    dockerUsable: needProbe ? await dockerUsable() : false,
    kindOnPath: needProbe ? await kindOnPath() : false,
  });
  // Bad kind settings are one line of their own, before anything is said about the provider.
  const k = name === 'kind' ? resolveKindSettings(o.kind, o.env) : {};
  o.log?.(`provider ${name}: ${why}`);
  switch (name) {
    case 'existing':
      if (!o.kubeconfig) throw new ProviderConfigError('--provider existing needs --kubeconfig <file>');
      return new ExistingProvider(o.kubeconfig, o.context);
    case 'kind': {
      const p = new KindProvider().withNodeImage(k.nodeImage).withTraefikImage(k.traefikImage).withImageArchives(k.imageArchives);
      if (k.config) p.withConfig(k.config);
      if (o.name) p.withName(o.name);
      if (o.log) p.withLog(o.log);
      return p;
    }
    case 'local': {
      const p = new LocalProvider();
      if (o.log) p.withLog(o.log);
      return p;
    }
  }
}
