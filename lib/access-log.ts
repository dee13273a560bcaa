/**
 * The fields of the API access log, one JSON line per request: who (authorizer context: server
 * and key id, never the key), what, and how it ended, including why the gateway refused it.
 * REST API variables; the HTTP API variant (lib/http-api.ts) replaces the ones it names otherwise.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  server: '$context.authorizer.server',
  keyId: '$context.authorizer.keyId',
} as const;
