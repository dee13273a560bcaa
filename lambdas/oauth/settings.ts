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
  /** `OAUTH_COOKIE_KEYS`: comma-separated secrets; the first signs. */
  readonly cookieKeys: readonly string[];
}

export function readOAuthSettings(env: Env = process.env): OAuthSettings {
  return {
    issuer: requireEnv('OAUTH_ISSUER', env).trim(),
    grantsTableName: requireEnv('GRANTS_TABLE_NAME', env),
    keysTableName: requireEnv('KEYS_TABLE_NAME', env),
    endpoint: optionalEnv('DYNAMODB_ENDPOINT', env),
    cookieKeys: requireEnv('OAUTH_COOKIE_KEYS', env)
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== ''),
  };
}
