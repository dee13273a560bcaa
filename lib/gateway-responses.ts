/**
 * What the deployed REST API answers by itself, as data: the stack configures API Gateway
 * from it and the local stack (`npm start`) imports it to answer the same way. Data only:
 * nothing here may import aws-cdk-lib.
 */
import { plans, resetWords } from '../config/plans';
import { JsonRpcCode, jsonRpcErrorBody } from '../lambdas/shared/json-rpc';

/** One gateway response: the status and the JSON body API Gateway sends instead of calling the integration. */
export interface GatewayResponseSpec {
  readonly statusCode: number;
  /** JSON text, sent with `Content-Type: application/json`. No `$` or `#`: API Gateway reads it as a VTL template. */
  readonly body: string;
  /** The `x-amzn-ErrorType` header API Gateway sends with this response. */
  readonly errorType: string;
  /** Headers sent besides `Content-Type` (static values: a gateway response cannot compute them). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The API Gateway response types mcp-gate customises. */
export type GatewayResponseType =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'AUTHORIZER_FAILURE'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'INVALID_API_KEY'
  | 'REQUEST_TOO_LARGE';

/** A JSON-RPC error response with no id, as the MCP handler sends for requests it refuses: MCP clients show its message. */
function gatewayErrorBody(message: string): string {
  return jsonRpcErrorBody(JsonRpcCode.ServerError, message);
}

/**
 * When a used-up quota resets, in words: a gateway response is static, so it names the period
 * of the configured plans' quotas (each plan's, when they differ).
 */
function quotaResetText(): string {
  const withQuota = plans.filter((plan) => plan.quota);
  const periods = [...new Set(withQuota.map((plan) => plan.quota!.period))];
  if (periods.length === 1) return `it resets ${resetWords(periods[0])}`;
  if (periods.length === 0) return 'it resets when its period ends';
  return `it resets ${withQuota.map((plan) => `${resetWords(plan.quota!.period)} (plan ${plan.name})`).join(', ')}`;
}

/**
 * Seconds a client should wait, sent as `Retry-After`. A throttled client waits a second for
 * its bucket to refill; a client over its quota is told to come back in an hour (a static
 * response cannot count down to the reset, which its body names).
 */
export const RETRY_AFTER_SECONDS = { THROTTLED: 1, QUOTA_EXCEEDED: 3600 } as const;

const AUTHORIZER_UNAVAILABLE = gatewayErrorBody('Internal Server Error: the API key could not be checked; retry later');

/**
 * The responses API Gateway gives instead of calling the MCP handler. In API Gateway,
 * `ACCESS_DENIED` covers both an explicit Deny and a policy that does not allow the route.
 */
export const GATEWAY_RESPONSES: Readonly<Record<GatewayResponseType, GatewayResponseSpec>> = {
  UNAUTHORIZED: {
    statusCode: 401,
    body: gatewayErrorBody(
      'Unauthorized: send a valid x-api-key header for this server (bearerPassthrough servers also need an Authorization header)',
    ),
    errorType: 'UnauthorizedException',
  },
  ACCESS_DENIED: {
    statusCode: 403,
    body: gatewayErrorBody('Forbidden: this API key is not valid for this server'),
    errorType: 'AccessDeniedException',
  },
  // The authorizer threw something other than `Unauthorized` (the key store is down) or timed
  // out: fail closed with 500, as API Gateway does, with a body that says "retry".
  // MISSING_AUTHENTICATION_TOKEN keeps API Gateway's own 403 {"message":"Missing Authentication
  // Token"}: clients and scripts know that answer for an undefined path or method.
  AUTHORIZER_FAILURE: {
    statusCode: 500,
    body: AUTHORIZER_UNAVAILABLE,
    errorType: 'AuthorizerConfigurationException',
  },
  AUTHORIZER_CONFIGURATION_ERROR: {
    statusCode: 500,
    body: AUTHORIZER_UNAVAILABLE,
    errorType: 'AuthorizerConfigurationException',
  },
  // API Gateway sends THROTTLED for a key's plan throttle and for the stage's and account's alike.
  THROTTLED: {
    statusCode: 429,
    body: gatewayErrorBody('Too Many Requests: slow down and retry later'),
    errorType: 'TooManyRequestsException',
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS.THROTTLED) },
  },
  QUOTA_EXCEEDED: {
    statusCode: 429,
    body: gatewayErrorBody(`Too Many Requests: this API key's request quota is used up; ${quotaResetText()}`),
    errorType: 'LimitExceededException',
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS.QUOTA_EXCEEDED) },
  },
  // The authorizer allowed a key that names no API key of a usage plan (a key made before plans,
  // not yet backfilled): API Gateway refuses it.
  INVALID_API_KEY: {
    statusCode: 403,
    body: gatewayErrorBody(
      'Forbidden: this API key has no usage plan yet; its operator runs npm run keys -- sync-plans',
    ),
    errorType: 'ForbiddenException',
  },
  REQUEST_TOO_LARGE: {
    statusCode: 413,
    body: gatewayErrorBody('Payload Too Large: API Gateway accepts request bodies up to 10 MB'),
    errorType: 'RequestTooLargeException',
  },
};

/**
 * The 401 of an `oauth` server's route. API Gateway adds `WWW-Authenticate: Bearer
 * resource_metadata="…"` (config/oauth.ts `oauthChallenge`), which OAuth clients follow; the
 * body tells a person the two ways in.
 */
export const OAUTH_UNAUTHORIZED: GatewayResponseSpec = {
  statusCode: 401,
  body: gatewayErrorBody(
    'Unauthorized: connect with OAuth (see the WWW-Authenticate header) or send Authorization: Bearer with an API key of this server',
  ),
  errorType: 'UnauthorizedException',
};

/** Stage-wide throttling: steady requests per second and burst, across all servers of the stage. */
export interface StageThrottling {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** @see GATEWAY_RESPONSES.THROTTLED for the answer past these limits. */
export const DEFAULT_STAGE_THROTTLING: StageThrottling = { rateLimit: 50, burstLimit: 100 };

/**
 * Payload limits along the way. API Gateway refuses larger requests with `REQUEST_TOO_LARGE`;
 * the MCP handler refuses bodies over its own limit (1 MiB) with a JSON-RPC 413 first.
 */
export const PAYLOAD_LIMITS = {
  /** REST API request payload limit (fixed by AWS). */
  maxRequestBytes: 10 * 1024 * 1024,
  /** Lambda's synchronous invocation payload limit (event and response, fixed by AWS). */
  maxLambdaPayloadBytes: 6 * 1024 * 1024,
  /** REST API integration timeout (default and maximum without a quota increase). */
  integrationTimeoutMs: 29_000,
} as const;
