import type { APIGatewayRequestAuthorizerEvent, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { OAUTH_STAGE_SERVER_VARIABLE } from '../../config/oauth';
import { pathOfRouteKey, requestIdOf } from '../shared/api-gateway-event';

/** What the authorizer needs from either payload version; nothing else is read. */
export interface AuthorizerRequest {
  /** The resource path API Gateway matched, e.g. `/demo-apikey/mcp`; the target server is found from it. */
  readonly routePath: string | undefined;
  /** `methodArn` (REST, payload 1.0) or `routeArn` (HTTP API, payload 2.0). */
  readonly arn: string;
  readonly apiKey: string | undefined;
  /** Whether a non-empty Authorization header is present. */
  readonly hasAuthorization: boolean;
  /**
   * The Authorization header, trimmed; read only on an `oauth` server's route, where it is the
   * credential (a token or a key). Never logged.
   */
  readonly authorization: string | undefined;
  readonly payloadVersion: '1.0' | '2.0';
  /** API Gateway's `requestContext.requestId`, the access log's id: every log line carries it. */
  readonly requestId: string | undefined;
  /**
   * The server the stage serves, from its `mcpGateServer` stage variable (set by the deployer,
   * never by a caller): an `oauth` server's own API, whose route is `/` behind its mapping.
   */
  readonly stageServer?: string;
}

export type AuthorizerEvent = APIGatewayRequestAuthorizerEvent | APIGatewayRequestAuthorizerEventV2;

/** Reads an authorizer event of payload 1.0 or 2.0; returns undefined when it is neither. */
export function parseAuthorizerEvent(event: unknown): AuthorizerRequest | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Record<string, unknown>;
  if (e.version === '2.0' && typeof e.routeArn === 'string') {
    const v2 = event as APIGatewayRequestAuthorizerEventV2;
    return {
      routePath: pathOfRouteKey(v2.routeKey) ?? pathOfArn(v2.routeArn),
      arn: v2.routeArn,
      ...credentials(v2.headers, undefined),
      payloadVersion: '2.0',
      requestId: requestIdOf(v2),
      ...stageServerOf(v2.stageVariables),
    };
  }
  if (typeof e.methodArn === 'string') {
    const v1 = event as APIGatewayRequestAuthorizerEvent;
    return {
      routePath: typeof v1.resource === 'string' && v1.resource !== '' ? v1.resource : pathOfArn(v1.methodArn),
      arn: v1.methodArn,
      ...credentials(v1.headers, v1.multiValueHeaders),
      payloadVersion: '1.0',
      requestId: requestIdOf(v1),
      ...stageServerOf(v1.stageVariables),
    };
  }
  return undefined;
}

function stageServerOf(variables: Record<string, string | undefined> | null | undefined): { stageServer?: string } {
  const value = variables?.[OAUTH_STAGE_SERVER_VARIABLE];
  return typeof value === 'string' && value !== '' ? { stageServer: value } : {};
}

function credentials(
  headers: Record<string, string | undefined> | null | undefined,
  multi: Record<string, string[] | undefined> | null | undefined,
): { apiKey: string | undefined; hasAuthorization: boolean; authorization: string | undefined } {
  let apiKey: string | undefined;
  let authorization: string | undefined;
  const take = (name: string, value: string | undefined): void => {
    if (typeof value !== 'string') return;
    const lower = name.toLowerCase();
    if (lower === 'x-api-key' && apiKey === undefined) apiKey = value;
    else if (lower === 'authorization' && authorization === undefined) authorization = value;
  };
  for (const [name, value] of Object.entries(headers ?? {})) take(name, value);
  if (apiKey === undefined || authorization === undefined) {
    for (const [name, values] of Object.entries(multi ?? {})) take(name, Array.isArray(values) ? values[0] : undefined);
  }
  const trimmed = authorization?.trim() || undefined;
  return { apiKey: apiKey?.trim() || undefined, hasAuthorization: trimmed !== undefined, authorization: trimmed };
}

/** `arn:aws:execute-api:r:a:api/stage/POST/demo/mcp` → `/demo/mcp`. */
function pathOfArn(arn: string): string | undefined {
  const parts = arn.split(':')[5]?.split('/');
  return parts && parts.length >= 3 ? '/' + parts.slice(3).join('/') : undefined;
}
