import { Annotations, Aws, type Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ServerConfig } from '../config/types';
import { ACCESS_LOG_FIELDS } from './access-log';
import type { StageThrottling } from './gateway-responses';
import type { KeyAuthorizer } from './key-authorizer';
import type { McpServerFunction } from './mcp-server-function';
import { addServerFunctions } from './server-functions';

export { API_TYPES, type ApiType } from './api-type';

/**
 * What the REST API does that an HTTP API cannot: named in one synth warning when the stack is
 * built with `apiType: 'http'`, so nothing is dropped silently (docs/deploy.md compares both).
 */
export const HTTP_API_LIMITS = [
  'custom JSON-RPC gateway error bodies (an HTTP API answers its own {"message":"Unauthorized"}, {"message":"Forbidden"}, {"message":"Not Found"})',
  "the oauth mode's WWW-Authenticate challenge on the gateway's 401",
  'usage plans and per-key request limits (stage throttling still applies)',
  'AWS WAF web ACLs',
  'execution logs (access logs are kept)',
] as const;

export interface GateHttpApiProps {
  readonly servers: readonly ServerConfig[];
  readonly authorizer: KeyAuthorizer;
  /** @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** The stage, the first path segment of every URL, as on the REST API. */
  readonly stageName: string;
  readonly throttling: StageThrottling;
  readonly accessLogGroup: logs.ILogGroup;
  readonly logRetention?: logs.RetentionDays;
  /** @default false */
  readonly samLocalVariables?: boolean;
}

/**
 * The servers behind an API Gateway HTTP API: routes `POST`/`GET`/`DELETE /<server>/mcp`
 * (and OPTIONS for servers with `allowedOrigins`), the key authorizer with payload 2.0 and
 * IAM policy answers on guarded servers (`KeyAuthorizer.forHttpApi`: identity sources
 * `$request.header.x-api-key`, plus `$request.header.Authorization` for `bearerPassthrough`,
 * and the route key, with the gateway's half of the cache TTL), no authorizer on public ones,
 * one stage with access logs, throttling and per-route metrics.
 *
 * IAM policy answers rather than simple ones: a policy names the key's own server's routes,
 * so an answer cached for one route never opens another; a simple `isAuthorized` carries no
 * scope and would rely on the cache key alone.
 */
export class GateHttpApi extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly servers: readonly McpServerFunction[];

  constructor(scope: Construct, id: string, props: GateHttpApiProps) {
    super(scope, id);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'mcp-gate: MCP servers on Lambda, one /<server>/mcp route each',
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: { rateLimit: props.throttling.rateLimit, burstLimit: props.throttling.burstLimit },
      // Per-route metrics (billed) where the dashboard and alarms read each server's requests, errors and latency.
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(props.accessLogGroup),
        format: apigw.AccessLogFormat.custom(JSON.stringify(HTTP_ACCESS_LOG_FIELDS)),
      },
    });
    this.servers = addServerFunctions(scope, {
      servers: props.servers,
      authorizer: props.authorizer,
      environment: props.environment,
      httpApi: this.api,
      logRetention: props.logRetention,
      samLocalVariables: props.samLocalVariables,
    });
  }

  /** The stage's base URL, ending in `/`. */
  public get url(): string {
    return `https://${this.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${this.stage.stageName}/`;
  }

  /** The URL of `path` (`/<server>/mcp`) on the stage. */
  public urlForPath(path: string): string {
    return `${this.url}${path.replace(/^\//, '')}`;
  }
}

/** The REST fields, with the HTTP API's names where they differ (no resource path: the route key). */
const HTTP_ACCESS_LOG_FIELDS = (() => {
  const { resourcePath: _resourcePath, ...fields } = ACCESS_LOG_FIELDS;
  return { ...fields, routeKey: '$context.routeKey' };
})();

/** The one warning of an HTTP API stack: what the REST API would do that this one cannot. */
export function warnHttpApiLimits(stack: Stack): void {
  Annotations.of(stack).addWarningV2(
    'mcp-gate:httpApiLimits',
    `apiType http: an HTTP API has no ${HTTP_API_LIMITS.join('; no ')}. ` +
      'Deploy with apiType rest (the default) where one of these is needed; docs/deploy.md compares both.',
  );
}
