import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { ACCESS_LOG_FIELDS } from './access-log';
import type { GatewayResponseSpec, GatewayResponseType, StageThrottling } from './gateway-responses';
import { pascalCase } from './settings';

/** One JSON line per request (the fields: lib/access-log.ts). */
export const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS));

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
