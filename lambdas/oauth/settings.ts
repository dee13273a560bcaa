import { ConfigError } from '../shared/errors';
import { optionalEnv, requireEnv } from '../shared/env';

type Env = Readonly<Record<string, string | undefined>>;

/** What the authorization server reads from its environment, once per container. */
export interface OAuthSettings {
  /** `OAUTH_ISSUER`: the bare origin clients reach the gateway at. */
  readonly issuer: string;
  /** `GRANTS_TABLE_NAME`. */
  readonly grantsTableName: string;
  /** `KEYS_TABLE_NAME`. */
  readonly keysTableName: string;
  /** `DYNAMODB_ENDPOINT`: a DynamoDB-compatible endpoint; AWS when unset. */
  readonly endpoint?: string;
  /** `OAUTH_COOKIE_KEYS`: comma-separated secrets; the first signs. Empty when the keys come from a secret. */
  readonly cookieKeys: readonly string[];
  /**
   * `OAUTH_COOKIE_SECRET_ARN`: a Secrets Manager secret whose text is the cookie keys (comma-separated),
   * read once per container; the stack generates it. Used when `OAUTH_COOKIE_KEYS` is unset.
   */
  readonly cookieSecretArn?: string;
}

/** Reads the settings; throws `ConfigError` naming a missing variable (for the cookie keys, both ways to give them). */
export function readOAuthSettings(env: Env = process.env): OAuthSettings {
  const cookieKeys = splitKeys(optionalEnv('OAUTH_COOKIE_KEYS', env) ?? '');
  const cookieSecretArn = optionalEnv('OAUTH_COOKIE_SECRET_ARN', env)?.trim();
  if (cookieKeys.length === 0 && cookieSecretArn === undefined) {
    throw new ConfigError(
      'environment variable OAUTH_COOKIE_KEYS (or OAUTH_COOKIE_SECRET_ARN, a secret holding them) is required but not set',
    );
  }
  return {
    issuer: requireEnv('OAUTH_ISSUER', env).trim(),
    grantsTableName: requireEnv('GRANTS_TABLE_NAME', env),
    keysTableName: requireEnv('KEYS_TABLE_NAME', env),
    endpoint: optionalEnv('DYNAMODB_ENDPOINT', env),
    cookieKeys,
    ...(cookieKeys.length === 0 ? { cookieSecretArn } : {}),
  };
}

/** Comma-separated keys, trimmed, empty ones dropped. */
export function splitKeys(text: string): string[] {
  return text
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
}
