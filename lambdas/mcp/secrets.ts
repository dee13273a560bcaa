/**
 * Secret values for outbound auth, read by reference (config/types.ts `SecretRef`) and kept
 * for minutes, not per call. In AWS the function reads Secrets Manager and SSM with two
 * signed HTTPS calls (lambdas/shared/aws-secrets.ts: aws4, no SDK client in the bundle);
 * the local stack supplies values from its secrets file. Values never reach a log line or an
 * error message: errors name the reference only.
 */
import { secretKey } from '../../config/outbound-auth';
import type { SecretRef } from '../../config/types';
import { SecretUnavailableError, type SecretLoader } from '../shared/aws-secrets';
import { SHARED_READ_TIMEOUT_MS, untilAborted } from '../shared/abort';

export { awsSecretLoader, SecretUnavailableError, type SecretLoader } from '../shared/aws-secrets';

/** How long a secret value is reused before it is read again. */
export const SECRET_CACHE_MS = 300_000;

export interface SecretSource {
  read(ref: SecretRef, signal?: AbortSignal): Promise<string>;
}

/** Keeps each value `ttlMs`; one read in flight per secret; failures are not kept. */
export function cachedSecrets(
  load: SecretLoader,
  options: { readonly ttlMs?: number; readonly clock?: () => number } = {},
): SecretSource {
  const ttlMs = options.ttlMs ?? SECRET_CACHE_MS;
  const clock = options.clock ?? Date.now;
  const values = new Map<string, { readonly value: string; readonly until: number }>();
  const pending = new Map<string, Promise<string>>();
  return {
    read: async (ref, signal) => {
      const key = secretKey(ref);
      const kept = values.get(key);
      if (kept && kept.until > clock()) return kept.value;
      let reading = pending.get(key);
      if (!reading) {
        // Shared by every caller that comes meanwhile: bounded by its own timeout, not by the
        // first caller's signal, so one cancelled call does not fail the others.
        reading = load(ref, AbortSignal.timeout(SHARED_READ_TIMEOUT_MS))
          .then((value) => {
            values.set(key, { value, until: clock() + ttlMs });
            return value;
          })
          .finally(() => pending.delete(key));
        pending.set(key, reading);
      }
      return untilAborted(reading, signal);
    },
  };
}

/** Values given up front, by `secretKey` (the local stack's secrets file). */
export function staticSecrets(values: Readonly<Record<string, string>>): SecretSource {
  return {
    read: async (ref) => {
      const key = secretKey(ref);
      if (!Object.hasOwn(values, key)) throw new SecretUnavailableError(`secret ${key} is not set`);
      return values[key];
    },
  };
}
