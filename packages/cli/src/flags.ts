import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IsoproofError } from '@isoproof/core';
import { UsageError } from './errors';
import type { CommandSpec } from './spec';

export type ProviderName = 'kind' | 'existing' | 'local';
const PROVIDERS: readonly ProviderName[] = ['kind', 'existing', 'local'];

/** The parsed flags of one command. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** The node:util parseArgs options of a command's flags. */
export function parseOptions(c: CommandSpec): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> {
  const out: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const f of c.flags) {
    out[f.name] = { type: f.type };
    if (f.multiple) out[f.name]!.multiple = true;
    if (f.short) out[f.name]!.short = f.short;
  }
  return out;
}

/** Parses a command's arguments against its spec; a bad flag is a UsageError naming the fix. */
export function parse(c: CommandSpec, args: string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: parseOptions(c), allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) throw new UsageError(`unknown flag ${unknown[1]} for '${c.name}'; see 'isoproof ${c.name} --help'`);
    const needsValue = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
    if (needsValue) throw new UsageError(`${needsValue[1]} needs a value; see 'isoproof ${c.name} --help'`);
    const noValue = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(msg);
    if (noValue) throw new UsageError(`${noValue[1]} takes no value; see 'isoproof ${c.name} --help'`);
    throw new UsageError(`${msg.split('\n')[0]}; see 'isoproof ${c.name} --help'`);
  }
}

export const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
export const bool = (v: Values, k: string): boolean => v[k] === true;
export const list = (v: Values, k: string): string[] => (Array.isArray(v[k]) ? (v[k] as string[]) : []);

export function providerFlag(v: Values): ProviderName | undefined {
  const p = str(v, 'provider');
  if (p === undefined) return undefined;
  if (!(PROVIDERS as readonly string[]).includes(p)) {
    throw new UsageError(`unknown provider '${p}'; use --provider ${PROVIDERS.join('|')}`);
  }
  return p as ProviderName;
}

export function noPositionals(c: CommandSpec, positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' for '${c.name}'; see 'isoproof ${c.name} --help'`);
}

/** The kubeconfig the user named, checked to exist; also checks that `existing` has one. */
export function kubeconfigFlag(v: Values, provider: ProviderName | undefined): string | undefined {
  const k = str(v, 'kubeconfig');
  if (k === undefined) {
    if (provider === 'existing') throw new UsageError('--provider existing needs --kubeconfig FILE');
    if (str(v, 'context') !== undefined) throw new UsageError('--context needs --kubeconfig FILE');
    return undefined;
  }
  const file = resolve(k);
  if (!existsSync(file)) throw new IsoproofError('ISOPROOF_KUBECONFIG', `kubeconfig file not found: ${file}; fix --kubeconfig`);
  if (provider && provider !== 'existing') throw new UsageError(`--kubeconfig is for --provider existing, not ${provider}`);
  return file;
}

/** What --node-image / --kind-config give the kind provider. */
export type KindFlags = { nodeImage?: string; config?: string } | undefined;

/**
 * --node-image / --kind-config: kind only (an explicit other provider, or --kubeconfig, is a usage
 * error); the config file must exist. The ISOPROOF_KIND_* environment fills what is not given.
 */
export function kindFlags(v: Values, provider: ProviderName | undefined, kubeconfig: string | undefined): KindFlags {
  const nodeImage = str(v, 'node-image');
  const config = str(v, 'kind-config');
  if (nodeImage === undefined && config === undefined) return undefined;
  const flag = nodeImage !== undefined ? '--node-image' : '--kind-config';
  if ((provider && provider !== 'kind') || kubeconfig) throw new UsageError(`${flag} is for --provider kind, not ${provider ?? 'existing'}`);
  if (nodeImage === '') throw new UsageError('--node-image needs an image name');
  let file: string | undefined;
  if (config !== undefined) {
    file = resolve(config);
    if (!existsSync(file)) throw new UsageError(`kind config not found: ${file}; fix --kind-config`);
  }
  return { ...(nodeImage ? { nodeImage } : {}), ...(file ? { config: file } : {}) };
}
