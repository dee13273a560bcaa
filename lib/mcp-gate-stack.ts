import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { clientConfig } from '../config/client-config';
import { isGuarded } from '../config/identity-sources';
import { servers as configuredServers } from '../config/servers';
import { AUTH_MODES, type ServerConfig } from '../config/types';
import { resolveServers } from '../config/validate';
import { ACCESS_LOG_FIELDS } from './access-log';
import { DEFAULT_STAGE_THROTTLING, GATEWAY_RESPONSES, type StageThrottling } from './gateway-responses';
import { GateHttpApi, warnHttpApiLimits, type ApiType } from './http-api';
import { KeyAuthorizer, restIdentitySources } from './key-authorizer';
import { KeysTable } from './keys-table';
import type { McpServerFunction } from './mcp-server-function';
import { acknowledgeCloudWatchRole, acknowledgeGatewayFindings } from './nag';
import { addServerFunctions, deployableServers } from './server-functions';
import { pascalCase } from './settings';

/** The placeholder in an output's `x-api-key` header: how to get a real key. */
function apiKeyPlaceholder(serverName: string): string {
  return `<create one: npm run keys -- create --server ${serverName}>`;
}

export interface McpGateStackProps extends StackProps {
  /**
   * The MCP servers to run.
   * @default the servers of config/servers.ts
   */
  readonly servers?: readonly ServerConfig[];
  /**
   * API Gateway authorizer result cache TTL (0 turns it off).
   * @default Duration.seconds(60)
   */
  readonly authCacheTtl?: Duration;
  /**
   * Values for the environment variables server configurations read (e.g. `DOWNSTREAM_URL`).
   * @default {} (those variables stay unset)
   */
  readonly serverEnvironment?: Readonly<Record<string, string>>;
  /**
   * The REST API stage, the first path segment of every URL.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Stage-wide throttling.
   * @default DEFAULT_STAGE_THROTTLING (50 requests/s, burst 100)
   */
  readonly throttling?: StageThrottling;
  /**
   * Set the account's API Gateway CloudWatch Logs role in this Region: an account-wide
   * setting shared by every REST API there, which the stage's access and execution logs
   * need. Turn on only where no role is set yet (`aws apigateway get-account` shows no
   * `cloudwatchRoleArn`); otherwise this stack would replace the role other APIs use. The
   * role and the setting are retained when the stack is deleted.
   * @default false (the account's role must already be set, or deploying the stage fails)
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * Shape the template for `sam local`: declare the variables an env.json may set
   * (`DYNAMODB_ENDPOINT`, unset server variables). Never deploy such a template.
   * @default false
   */
  readonly samLocal?: boolean;
  /**
   * Retention of the function logs and the API access logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The API in front of the servers: a REST API, or an HTTP API (a third of the request price;
   * what it cannot do is named in a synth warning, see lib/http-api.ts and docs/deploy.md).
   * @default 'rest'
   */
  readonly apiType?: ApiType;
}

/**
 * mcp-gate: the keys table, the key authorizer, one REST API with `/<server>/mcp` per
 * configured server (each with its own function), JSON gateway responses, access logging
 * and throttling. Outputs each server's URL and ready-to-paste `mcpServers` JSON.
 */
export class McpGateStack extends Stack {
  public readonly keysTable: KeysTable;
  public readonly authorizer: KeyAuthorizer;
  /** The REST API (`apiType: 'rest'`, the default). */
  public readonly api?: apigw.RestApi;
  /** The HTTP API (`apiType: 'http'`). */
  public readonly httpApi?: GateHttpApi;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly servers: readonly McpServerFunction[];

  constructor(scope: Construct, id: string, props: McpGateStackProps = {}) {
    super(scope, id, props);
    const servers = resolveServers(props.servers ?? deployableServers(configuredServers).deployable);
    const throttling = props.throttling ?? DEFAULT_STAGE_THROTTLING;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.keysTable = new KeysTable(this, 'Keys');
    this.authorizer = new KeyAuthorizer(this, 'Authorizer', {
      keysTable: this.keysTable.table,
      cacheTtl: props.authCacheTtl,
      logRetention,
      samLocalVariables: props.samLocal,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    if (props.apiType === 'http') {
      const http = new GateHttpApi(this, 'Http', {
        servers,
        authorizer: this.authorizer,
        environment: props.serverEnvironment,
        stageName: props.stageName ?? 'prod',
        throttling,
        accessLogGroup: this.accessLogGroup,
        logRetention,
        samLocalVariables: props.samLocal,
      });
      this.httpApi = http;
      this.servers = http.servers;
      this.addOutputs(http.url, (path) => http.urlForPath(path));
      warnHttpApiLimits(this);
      return;
    }
    const api = new apigw.RestApi(this, 'Api', {
      restApiName: this.stackName,
      description: 'mcp-gate: MCP servers on Lambda, one /<server>/mcp route each',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: props.apiGatewayCloudWatchRole ?? false,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: ACCESS_LOG_FORMAT,
        // Execution logs at ERROR only: INFO with data tracing would log request headers (keys).
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: false,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
      },
    });
    this.api = api;
    for (const [type, response] of Object.entries(GATEWAY_RESPONSES)) {
      api.addGatewayResponse(`${pascalCase(type.toLowerCase())}Response`, {
        type: apigw.ResponseType.of(type),
        statusCode: String(response.statusCode),
        responseHeaders: { 'Content-Type': "'application/json'" },
        templates: { 'application/json': response.body },
      });
    }

    this.servers = addServerFunctions(this, {
      servers,
      authorizer: this.authorizer,
      environment: props.serverEnvironment,
      restApi: api,
      logRetention,
      samLocalVariables: props.samLocal,
    });

    // Authorizer settings take effect on the next deployment: make changing them create one.
    api.latestDeployment?.addToLogicalId({
      authorizerCacheTtlSeconds: this.authorizer.gatewayCacheTtl.toSeconds(),
      restIdentitySources: Object.fromEntries(
        AUTH_MODES.filter(isGuarded).map((mode) => [mode, restIdentitySources(mode)]),
      ),
      gatewayResponses: GATEWAY_RESPONSES,
    });

    this.addOutputs(api.url, (path) => api.urlForPath(path));

    acknowledgeGatewayFindings(api);
    if (props.apiGatewayCloudWatchRole) acknowledgeCloudWatchRole(api);
  }

  /** The same outputs on either API: the base URL, the keys table, each server's URL and client JSON. */
  private addOutputs(baseUrl: string, urlForPath: (path: string) => string): void {
    new CfnOutput(this, 'ApiUrl', {
      value: baseUrl,
      description: 'Base URL of the stage; each server is at <ApiUrl><server>/mcp (npm run keys reads it)',
    });
    new CfnOutput(this, 'KeysTableName', {
      value: this.keysTable.table.tableName,
      description: 'DynamoDB table of API key digests (KEYS_TABLE_NAME for npm run keys)',
    });
    for (const mcp of this.servers) {
      const name = mcp.server.name;
      const url = urlForPath(mcp.server.routes[0]);
      new CfnOutput(this, `${pascalCase(name)}Url`, {
        value: url,
        description: `MCP endpoint of ${name} (${mcp.server.authMode})`,
      });
      new CfnOutput(this, `${pascalCase(name)}McpServers`, {
        value: this.toJsonString(clientConfig(name, mcp.server.authMode, url, apiKeyPlaceholder(name))),
        description: `Paste into your MCP client's configuration (${name})`,
      });
    }
  }
}

/** One JSON line per request (lib/access-log.ts). */
const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS));
