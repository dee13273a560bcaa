import { ConfigError } from './errors';

type Env = Readonly<Record<string, string | undefined>>;

/** The value of a required environment variable; throws `ConfigError` naming it when unset or empty. */
export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`environment variable ${name} is required but not set`);
  }
  return value;
}

/** An optional environment variable; undefined when unset or empty. */
export function optionalEnv(name: string, env: Env = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** A non-negative integer environment variable with a default; throws `ConfigError` naming it when not a number. */
export function intEnv(name: string, fallback: number, env: Env = process.env): number {
  const raw = optionalEnv(name, env);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`environment variable ${name} must be a non-negative integer, got "${raw}"`);
  }
  return Number(raw.trim());
}

/** Where the keys live and how long decisions are cached: read once per container. */
export interface KeyStoreSettings {
  /** DynamoDB table holding the key digests (`KEYS_TABLE_NAME`). */
  readonly tableName: string;
  /** A DynamoDB-compatible endpoint such as the embedded one (`DYNAMODB_ENDPOINT`); AWS when undefined. */
  readonly endpoint?: string;
  /** Seconds a key lookup (hit or miss) is cached in memory (`AUTH_CACHE_TTL_SECONDS`, default 60). */
  readonly cacheTtlSeconds: number;
}

export function readKeyStoreSettings(env: Env = process.env): KeyStoreSettings {
  return {
    tableName: requireEnv('KEYS_TABLE_NAME', env),
    endpoint: optionalEnv('DYNAMODB_ENDPOINT', env),
    cacheTtlSeconds: intEnv('AUTH_CACHE_TTL_SECONDS', 60, env),
  };
}
