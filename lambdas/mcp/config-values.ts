import type { ConfigValue } from '../../config/types';
import { requireEnv } from '../shared/env';
import { ConfigError } from '../shared/errors';

export type Env = Readonly<Record<string, string | undefined>>;

/** The value of a `ConfigValue`; throws `ConfigError` naming the environment variable when it is unset. */
export function resolveConfigValue(value: ConfigValue, env: Env): string {
  return typeof value === 'string' ? value : requireEnv(value.env, env);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for loopback hosts, where plain http is acceptable (local stack, tests). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The origin (`scheme://host[:port]`) of a passthrough target given as an origin or a URL.
 * Throws `ConfigError` unless it is https, or http on a loopback host.
 */
export function passthroughOriginOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new ConfigError(`passthrough origin "${raw}" is not a URL`, { cause: error });
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!secure) {
    throw new ConfigError(`passthrough origin "${url.origin}" must use https (plain http only on loopback)`);
  }
  return url.origin;
}
