import { awsSecretLoader } from '../shared/aws-secrets';
import { ConfigError } from '../shared/errors';
import { splitKeys, type OAuthSettings } from './settings';

/** The text of a Secrets Manager secret. Injected so tests run without AWS. */
export type SecretReader = (secretArn: string) => Promise<string>;

/**
 * How long the read may take: well inside the function's 10 s timeout (lib/gate-function.ts),
 * so a Secrets Manager that does not answer fails the event with the 500 page, not a Lambda timeout.
 */
const COOKIE_SECRET_TIMEOUT_MS = 5000;

/**
 * Reads a secret's text with a signed `GetSecretValue` (lambdas/shared/aws-secrets.ts: no SDK
 * client in the bundle) with the role credentials Lambda puts in `env`; the function's role
 * may read that one secret only.
 */
export function secretReaderOf(env: Readonly<Record<string, string | undefined>>): SecretReader {
  const load = awsSecretLoader(env);
  return (secretArn) => load({ secretsManager: secretArn }, AbortSignal.timeout(COOKIE_SECRET_TIMEOUT_MS));
}

/** {@link secretReaderOf} the process's environment. */
export const readSecretText: SecretReader = (secretArn) => secretReaderOf(process.env)(secretArn);

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
