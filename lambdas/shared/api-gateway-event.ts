/**
 * Fields read the same way from every API Gateway event the Lambdas receive: REST proxy and
 * REQUEST authorizer events (payload 1.0) and HTTP API events (payload 2.0).
 */

/** Longest request id carried into log lines; API Gateway's own are far shorter. */
const MAX_REQUEST_ID_LENGTH = 128;

/**
 * API Gateway's `requestContext.requestId` (the access log's id, to correlate log lines), of
 * any event or of anything else: undefined unless a non-empty string, cut to 128 characters.
 */
export function requestIdOf(event: unknown): string | undefined {
  const requestContext = (event as { requestContext?: unknown } | null | undefined)?.requestContext;
  const id = (requestContext as { requestId?: unknown } | null | undefined)?.requestId;
  return typeof id === 'string' && id !== '' ? id.slice(0, MAX_REQUEST_ID_LENGTH) : undefined;
}

/** The path of an HTTP API route key: `POST /demo/mcp` → `/demo/mcp`; `$default` and malformed keys → undefined. */
export function pathOfRouteKey(routeKey: unknown): string | undefined {
  if (typeof routeKey !== 'string') return undefined;
  const path = routeKey.split(' ')[1];
  return path?.startsWith('/') ? path : undefined;
}
