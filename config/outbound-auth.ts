/**
 * The rules of a tool's outbound auth block and of secret references, shared by the check at
 * load (validate.ts), the stack (which grants exactly the referenced secrets) and the local
 * stack (which resolves them from a local file). Data only: no AWS SDK, no I/O.
 */
import type { AuthMode, ConfigValue, OutboundAuth, SecretRef, ServerConfig } from './types';

export const OUTBOUND_AUTH_TYPES = [
  'none',
  'apiKey',
  'bearer',
  'basic',
  'oauth2ClientCredentials',
  'sigv4',
  'passthrough',
] as const satisfies readonly OutboundAuth['type'][];

/** An HTTP header or query parameter name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SECRETS_MANAGER_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
/** SSM parameter names: letters, digits and `_.-/`; a path starts with `/`. */
const SSM_NAME = /^\/?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const SIGNING_NAME = /^[a-z0-9-]{1,64}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/** The auth a tool uses when its config names none. */
export function defaultOutboundAuth(mode: AuthMode): OutboundAuth {
  return mode === 'bearerPassthrough' ? { type: 'passthrough' } : { type: 'none' };
}

/** A stable text key for a secret reference (`secretsManager:<name>` or `ssm:<name>`): the local secrets file uses it. */
export function secretKey(ref: SecretRef): string {
  return 'secretsManager' in ref ? `secretsManager:${ref.secretsManager}` : `ssm:${ref.ssm}`;
}

/** The secret references of an auth block. */
export function secretRefsOfAuth(auth: OutboundAuth | undefined): SecretRef[] {
  switch (auth?.type) {
    case 'apiKey':
      return [auth.value];
    case 'bearer':
      return [auth.token];
    case 'basic':
      return [auth.password];
    case 'oauth2ClientCredentials':
      return [auth.clientSecret];
    default:
      return [];
  }
}

/** Every secret the server's tools reference, once each (by `secretKey`), in config order. */
export function secretRefsOf(server: ServerConfig): SecretRef[] {
  const refs = new Map<string, SecretRef>();
  for (const tool of server.tools) {
    if (typeof tool === 'string') continue;
    for (const ref of secretRefsOfAuth(tool.auth)) if (!refs.has(secretKey(ref))) refs.set(secretKey(ref), ref);
  }
  return [...refs.values()];
}

/** The `{ env }` names an auth block reads. */
export function envVarsOfAuth(auth: OutboundAuth | undefined): ConfigValue[] {
  if (auth?.type === 'basic') return [auth.username];
  if (auth?.type === 'oauth2ClientCredentials') return [auth.tokenUrl, auth.clientId];
  return [];
}

/** The problem with an auth block on a server in `mode`, or undefined. Names no secret value (config holds none). */
export function outboundAuthProblem(auth: OutboundAuth, mode: AuthMode): string | undefined {
  if (!(OUTBOUND_AUTH_TYPES as readonly string[]).includes(auth.type)) {
    return `auth type "${auth.type}" is unknown (one of ${OUTBOUND_AUTH_TYPES.join(', ')})`;
  }
  for (const ref of secretRefsOfAuth(auth)) {
    const problem = secretRefProblem(ref);
    if (problem !== undefined) return problem;
  }
  switch (auth.type) {
    case 'apiKey':
      if (!TOKEN.test(auth.name)) return `apiKey name "${auth.name}" is not a valid header or query name`;
      if (auth.in !== undefined && auth.in !== 'header' && auth.in !== 'query') {
        return `apiKey "in" must be header or query`;
      }
      if (/[\r\n\0]/.test(auth.prefix ?? '')) return 'apiKey prefix must not contain a line break';
      return undefined;
    case 'basic':
      if (typeof auth.username === 'string' && auth.username.includes(':'))
        return 'basic username must not contain ":"';
      return undefined;
    case 'oauth2ClientCredentials':
      if (typeof auth.tokenUrl === 'string') {
        const problem = credentialUrlProblem('tokenUrl', auth.tokenUrl);
        if (problem !== undefined) return problem;
      }
      if ((auth.scopes ?? []).some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
        return 'scopes must be non-empty and hold no spaces or quotes';
      }
      return undefined;
    case 'sigv4':
      if (!SIGNING_NAME.test(auth.service)) return `sigv4 service "${auth.service}" is not a signing name`;
      if (auth.region !== undefined && !REGION.test(auth.region))
        return `sigv4 region "${auth.region}" is not a region`;
      return undefined;
    case 'passthrough':
      return mode === 'bearerPassthrough'
        ? undefined
        : "auth type passthrough needs a bearerPassthrough server (only there does the caller's Authorization reach a tool)";
    default:
      return undefined;
  }
}

/** The problem with a secret reference, or undefined. */
export function secretRefProblem(ref: SecretRef): string | undefined {
  if (ref === null || typeof ref !== 'object') return 'a secret must be referenced as { secretsManager } or { ssm }';
  if ('secretsManager' in ref) {
    const id = ref.secretsManager;
    if (typeof id !== 'string' || !(SECRETS_MANAGER_ARN.test(id) || (!id.startsWith('arn:') && SECRET_NAME.test(id)))) {
      return `secretsManager reference "${String(id)}" is not a secret name or ARN`;
    }
  } else if ('ssm' in ref) {
    if (typeof ref.ssm !== 'string' || !SSM_NAME.test(ref.ssm) || ref.ssm.length > 2048) {
      return `ssm reference "${String(ref.ssm)}" is not a parameter name`;
    }
  } else {
    return 'a secret must be referenced as { secretsManager } or { ssm }';
  }
  if (ref.kmsKeyArn !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(ref.kmsKeyArn)) {
    return `kmsKeyArn "${ref.kmsKeyArn}" is not a KMS key ARN`;
  }
  return undefined;
}

/**
 * The problem with a URL a credential is sent to, or undefined: it must be https (plain http
 * only on loopback, the local stack), since a credential sent in the clear could be read on the way.
 */
export function credentialUrlProblem(what: string, raw: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  const loopback = url !== undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url?.protocol === 'https:' || (url?.protocol === 'http:' && loopback)) return undefined;
  return `${what} "${raw}" must be an https URL (plain http only on loopback)`;
}

/** Whether the auth type sends a credential of its own (so its URLs must be https). */
export function sendsCredential(auth: OutboundAuth | undefined): boolean {
  return auth !== undefined && auth.type !== 'none' && auth.type !== 'passthrough';
}
