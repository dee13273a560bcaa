/**
 * Secret values read from Secrets Manager and SSM with two signed HTTPS calls (aws4, the
 * signer of every AWS call a function makes; no SDK client in any bundle), with the function's
 * role credentials from the environment. The MCP functions read tools' secrets this way
 * (lambdas/mcp/secrets.ts), the OAuth authorization server its cookie keys
 * (lambdas/oauth/cookie-secret.ts). Values never reach a log line or an error message: errors
 * name the reference only.
 */
import { secretKey } from '../../config/outbound-auth';
import type { SecretRef } from '../../config/types';
import { signedHeaders } from './aws-sign';
import { McpGateError } from './errors';

type Env = Readonly<Record<string, string | undefined>>;

/** A secret could not be read (missing, access denied, service unreachable). The message names the reference, never a value. */
export class SecretUnavailableError extends McpGateError {}

export type SecretLoader = (ref: SecretRef, signal?: AbortSignal) => Promise<string>;

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
