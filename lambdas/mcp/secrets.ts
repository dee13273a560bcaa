/**
 * Secret values for outbound auth, read by reference (config/types.ts `SecretRef`) and kept
 * for minutes, not per call. In AWS the function reads Secrets Manager and SSM with two
 * signed HTTPS calls (aws4, the signer `sigv4` tools use; no SDK client in the bundle);
 * the local stack supplies values from its secrets file. Values never reach a log line or an
 * error message: errors name the reference only.
 */
import { secretKey } from '../../config/outbound-auth';
import type { SecretRef } from '../../config/types';
import { signedHeaders } from '../shared/aws-sign';
import { McpGateError } from '../shared/errors';
import type { Env } from './config-values';
import { SHARED_READ_TIMEOUT_MS, untilAborted } from '../shared/abort';

/** How long a secret value is reused before it is read again. */
export const SECRET_CACHE_MS = 300_000;

/** A secret could not be read (missing, access denied, service unreachable). The message names the reference, never a value. */
export class SecretUnavailableError extends McpGateError {}

export interface SecretSource {
  read(ref: SecretRef, signal?: AbortSignal): Promise<string>;
}

export type SecretLoader = (ref: SecretRef, signal?: AbortSignal) => Promise<string>;

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

/**
 * Reads from Secrets Manager (`GetSecretValue`, the SecretString) and SSM (`GetParameter`
 * with decryption) with the function's role credentials from the environment. Endpoints
 * follow the SDK's variables (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_SSM`).
 */
export function awsSecretLoader(env: Env, fetchImpl: typeof fetch = globalThis.fetch): SecretLoader {
  return async (ref, signal) => {
    const key = secretKey(ref);
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!region || !accessKeyId || !secretAccessKey) {
      throw new SecretUnavailableError(`secret ${key}: no AWS region or credentials in the environment`);
    }
    const secretsManager = 'secretsManager' in ref;
    const service = secretsManager ? 'secretsmanager' : 'ssm';
    const endpoint =
      (secretsManager ? env.AWS_ENDPOINT_URL_SECRETS_MANAGER : env.AWS_ENDPOINT_URL_SSM) ??
      `https://${service}.${region}.amazonaws.com/`;
    const url = new URL(endpoint);
    const payload = JSON.stringify(
      secretsManager ? { SecretId: ref.secretsManager } : { Name: ref.ssm, WithDecryption: true },
    );
    const headers = signedHeaders({
      url,
      method: 'POST',
      headers: new Headers({
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': secretsManager ? 'secretsmanager.GetSecretValue' : 'AmazonSSM.GetParameter',
      }),
      body: payload,
      service,
      region,
      credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined },
    });
    let response: Response;
    try {
      response = await fetchImpl(url, { method: 'POST', headers, body: payload, signal });
    } catch (error) {
      throw new SecretUnavailableError(`secret ${key}: ${service} could not be reached`, { cause: error });
    }
    const text = await response.text();
    let body: { __type?: unknown; SecretString?: unknown; Parameter?: { Value?: unknown } } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // reported below by status
    }
    if (!response.ok) {
      // The error type only (e.g. AccessDeniedException, ResourceNotFoundException, ParameterNotFound).
      const type = typeof body.__type === 'string' ? body.__type.split('#').at(-1) : `HTTP ${response.status}`;
      throw new SecretUnavailableError(`secret ${key}: ${service} answered ${type}`);
    }
    const value = secretsManager ? body.SecretString : body.Parameter?.Value;
    if (typeof value !== 'string') throw new SecretUnavailableError(`secret ${key} has no string value`);
    return value;
  };
}
