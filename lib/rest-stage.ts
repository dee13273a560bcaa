import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { GatewayResponseSpec, GatewayResponseType, StageThrottling } from './gateway-responses';
import { pascalCase } from './settings';

/**
 * One JSON line per request: who (authorizer context: server and key id, never the key),
 * what, and how it ended, including why the gateway refused it.
 */
export const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
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
  }),
);

/**
 * The stage settings every REST API of mcp-gate shares: JSON access logs, execution logs at
 * ERROR only (INFO with data tracing would log request headers, keys among them), detailed
 * metrics only where asked, stage-wide throttling.
 */
export function stageOptions(
  stageName: string,
  accessLogGroup: logs.ILogGroup,
  throttling: StageThrottling,
  variables?: Readonly<Record<string, string>>,
  detailedMetrics = false,
): apigw.StageOptions {
  return {
    stageName,
    accessLogDestination: new apigw.LogGroupLogDestination(accessLogGroup),
    accessLogFormat: ACCESS_LOG_FORMAT,
    loggingLevel: apigw.MethodLoggingLevel.ERROR,
    dataTraceEnabled: false,
    // Per-method metrics (billed) where the dashboard and alarms read each server's requests, errors and latency.
    metricsEnabled: detailedMetrics,
    throttlingRateLimit: throttling.rateLimit,
    throttlingBurstLimit: throttling.burstLimit,
    ...(variables ? { variables: { ...variables } } : {}),
  };
}

/**
 * The API's JSON gateway responses (construct id `<Type>Response`) with their own headers, and
 * the given extra static headers per type (values as API Gateway takes them: in single quotes).
 */
export function addGatewayResponses(
  api: apigw.RestApi,
  responses: Readonly<Record<GatewayResponseType, GatewayResponseSpec>>,
  extraHeaders: Partial<Record<GatewayResponseType, Readonly<Record<string, string>>>> = {},
): void {
  for (const [type, response] of Object.entries(responses) as Array<[GatewayResponseType, GatewayResponseSpec]>) {
    api.addGatewayResponse(`${pascalCase(type.toLowerCase())}Response`, {
      type: apigw.ResponseType.of(type),
      statusCode: String(response.statusCode),
      responseHeaders: {
        'Content-Type': "'application/json'",
        ...Object.fromEntries(Object.entries(response.headers ?? {}).map(([name, value]) => [name, `'${value}'`])),
        ...extraHeaders[type],
      },
      templates: { 'application/json': response.body },
    });
  }
}
