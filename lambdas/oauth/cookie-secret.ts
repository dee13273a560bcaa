import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../shared/errors';
import { splitKeys, type OAuthSettings } from './settings';

/** The text of a Secrets Manager secret. Injected so tests run without AWS. */
export type SecretReader = (secretArn: string) => Promise<string>;

/** Reads a secret's text with `GetSecretValue` (the function's role may read that one secret only). */
export const readSecretText: SecretReader = async (secretArn) => {
  const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  return out.SecretString ?? '';
};

/**
 * The cookie keys: `OAUTH_COOKIE_KEYS` when set (the local stack, tests), otherwise the text of
 * the `OAUTH_COOKIE_SECRET_ARN` secret, split at commas. Throws `ConfigError` when that secret is
 * empty; a failed read propagates (the container then retries on its next event).
 */
export async function cookieKeysOf(
  settings: Pick<OAuthSettings, 'cookieKeys' | 'cookieSecretArn'>,
  read: SecretReader = readSecretText,
): Promise<readonly string[]> {
  if (settings.cookieKeys.length > 0 || settings.cookieSecretArn === undefined) return settings.cookieKeys;
  const keys = splitKeys(await read(settings.cookieSecretArn));
  if (keys.length === 0) throw new ConfigError('the secret OAUTH_COOKIE_SECRET_ARN names has no cookie keys in it');
  return keys;
}
