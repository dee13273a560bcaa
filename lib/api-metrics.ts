import type { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ApiType } from './api-type';

/**
 * API Gateway's own figures of a request (namespace `AWS/ApiGateway`), by the names each API
 * type publishes them under. As documented by AWS (checked against the developer guide's
 * "Amazon API Gateway dimensions and metrics" for REST APIs and "Monitor CloudWatch metrics for
 * HTTP APIs in API Gateway", docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html):
 *
 * - REST API: `Count`, `4XXError`, `5XXError`, `Latency`; dimension sets `ApiName` ·
 *   `ApiName, Stage` · `ApiName, Method, Resource, Stage` (the last only with the stage's
 *   per-method metrics, `MetricsEnabled`).
 * - HTTP API: `Count`, `4xx`, `5xx`, `Latency` (also `IntegrationLatency`, `DataProcessed`);
 *   dimension sets `ApiId` · `ApiId, Stage` · `ApiId, Method, Resource, Stage`, the last per
 *   route (`Resource` the route's path, `Method` its method) and only with the stage's
 *   detailed metrics (`DetailedMetricsEnabled`), which are billed. An earlier revision of that
 *   page named the per-route set `ApiId, Stage, Route`; the current one names `Method` and
 *   `Resource` (the resource path), as REST APIs do, and is what this follows. Not checked
 *   against a deployed API: synth and the tests run offline.
 *
 * CDK's own `HttpStage.metricClientError` / `metricServerError` read `4xx` / `5xx` by
 * `ApiId, Stage` too.
 */
export const API_GATEWAY_METRIC_NAMES = {
  rest: { requests: 'Count', clientErrors: '4XXError', serverErrors: '5XXError', latency: 'Latency' },
  http: { requests: 'Count', clientErrors: '4xx', serverErrors: '5xx', latency: 'Latency' },
} as const satisfies Record<ApiType, Record<string, string>>;

/** What the dashboard and alarms read of a server's API: requests, 4xx, 5xx, latency. */
export type ApiFigure = keyof (typeof API_GATEWAY_METRIC_NAMES)['rest'];

/** Where API Gateway counts a server's requests: the API type and the dimensions that select them. */
export interface ApiMetricSource {
  readonly apiType: ApiType;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** One method of a REST API resource (needs the stage's per-method metrics). */
export function restMethodSource(api: apigw.RestApi, resource: string, method: string): ApiMetricSource {
  return namedRestMethodSource(api.restApiName, api.deploymentStage.stageName, resource, method);
}

/**
 * One method of a resource of a REST API known by its name and stage, such as one a stack
 * imports by id (REST metrics are dimensioned by the name, which an imported API does not carry).
 */
export function namedRestMethodSource(
  apiName: string,
  stageName: string,
  resource: string,
  method: string,
): ApiMetricSource {
  return { apiType: 'rest', dimensions: { ApiName: apiName, Stage: stageName, Resource: resource, Method: method } };
}

/** Every request of a REST API's stage (published without per-method metrics). */
export function restStageSource(api: apigw.RestApi): ApiMetricSource {
  return { apiType: 'rest', dimensions: { ApiName: api.restApiName, Stage: api.deploymentStage.stageName } };
}

/** One route of an HTTP API (needs the stage's detailed metrics). */
export function httpRouteSource(
  api: apigwv2.IHttpApi,
  stage: Pick<apigwv2.IHttpStage, 'stageName'>,
  path: string,
  method: string,
): ApiMetricSource {
  return {
    apiType: 'http',
    dimensions: { ApiId: api.apiId, Stage: stage.stageName, Resource: path, Method: method },
  };
}

/** The figure's metric at `source`. */
export function apiMetric(
  source: ApiMetricSource,
  figure: ApiFigure,
  statistic: string,
  period: Duration,
  label?: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway',
    metricName: API_GATEWAY_METRIC_NAMES[source.apiType][figure],
    dimensionsMap: { ...source.dimensions },
    statistic,
    label,
    period,
  });
}
