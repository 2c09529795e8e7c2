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

export interface SelectOptions {
  /** Explicit provider (--provider); `provider` is accepted as an alias. */
  flag?: string;
  provider?: string;
  kubeconfig?: string;
  context?: string;
  /** Cluster name for kind/local. */
  name?: string;
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
  o.log?.(`provider ${name}: ${why}`);
  switch (name) {
    case 'existing':
      if (!o.kubeconfig) throw new ProviderConfigError('--provider existing needs --kubeconfig <file>');
      return new ExistingProvider(o.kubeconfig, o.context);
    case 'kind': {
      const p = new KindProvider();
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
