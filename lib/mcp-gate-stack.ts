import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { clientConfig } from '../config/client-config';
import { ConfigError } from '../config/errors';
import { isGuarded } from '../config/identity-sources';
import { servers as configuredServers } from '../config/servers';
import { AUTH_MODES, type ServerConfig } from '../config/types';
import { resolveServers } from '../config/validate';
import { DEFAULT_STAGE_THROTTLING, GATEWAY_RESPONSES, type StageThrottling } from './gateway-responses';
import { GateHttpApi, warnHttpApiLimits, type ApiType } from './http-api';
import { KeyAuthorizer, restIdentitySources } from './key-authorizer';
import { KeysTable } from './keys-table';
import type { McpServerFunction } from './mcp-server-function';
import type { OAuthDomainSettings } from './oauth-domain';
import { addOAuthOutputs, OAuthServers } from './oauth-servers';
import { acknowledgeCloudWatchRole, acknowledgeGatewayFindings } from './nag';
import { Observability, type ObservabilityOptions } from './observability';
import { addServerFunctions, deployableServers } from './server-functions';
import { addGatewayResponses, stageOptions } from './rest-stage';
import { API_TYPE_OUTPUT, pascalCase, serverUrlOutput } from './output-names';
import { UsagePlans } from './usage-plans';

/** The placeholder in an output's `x-api-key` header: how to get a real key. */
function apiKeyPlaceholder(serverName: string): string {
  return `<create one: npm run keys -- create --server ${serverName}>`;
}

export interface McpGateStackProps extends StackProps {
  /**
   * The MCP servers to run.
   * @default the servers of config/servers.ts (its `oauth` servers only with `oauthDomain`)
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
   * The custom domain that serves the `oauth` servers (see {@link OAuthServers}); the stack's
   * API is mapped at its empty path, so it also serves the other servers.
   * @default - no domain; `oauth` servers must then be left out of `servers`
   */
  readonly oauthDomain?: OAuthDomainSettings;
  /**
   * Dashboard, alarms, alarm email and X-Ray tracing (lib/observability.ts).
   * @default {} (no tracing, alarms without action)
   */
  readonly observability?: ObservabilityOptions;
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
  /** The `oauth` servers and their custom domain, when `oauthDomain` is set. */
  public readonly oauth?: OAuthServers;
  /** The key plans (REST API only: an HTTP API has no usage plans). */
  public readonly usagePlans?: UsagePlans;
  /** The dashboard and alarms. */
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: McpGateStackProps = {}) {
    super(scope, id, props);
    const allServers = resolveServers(
      props.servers ??
        deployableServers(configuredServers, { customDomain: props.oauthDomain !== undefined }).deployable,
    );
    const servers = allServers.filter((server) => server.authMode !== 'oauth');
    if (servers.length < allServers.length && (!props.oauthDomain || props.apiType === 'http')) {
      throw new ConfigError(
        'oauth servers need a REST API and a custom domain on AWS (oauthDomain, see docs/deploy.md)',
      );
    }
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
      this.observability = new Observability(this, 'Observability', {
        api: http,
        authorizer: this.authorizer.handler,
        servers: this.servers,
        ...props.observability,
      });
      this.addOutputs(
        http.url,
        this.servers.map((mcp) => ({ mcp, url: http.urlForPath(mcp.server.routes[0]) })),
      );
      warnHttpApiLimits(this);
      return;
    }
    const api = new apigw.RestApi(this, 'Api', {
      restApiName: this.stackName,
      description: 'mcp-gate: MCP servers on Lambda, one /<server>/mcp route each',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // The key authorizer names each request's API key (`usageIdentifierKey`): usage plans count by it.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: props.apiGatewayCloudWatchRole ?? false,
      deployOptions: stageOptions(props.stageName ?? 'prod', this.accessLogGroup, throttling, undefined, true),
    });
    this.api = api;
    addGatewayResponses(api, GATEWAY_RESPONSES);

    this.servers = addServerFunctions(this, {
      servers,
      authorizer: this.authorizer,
      environment: props.serverEnvironment,
      restApi: api,
      logRetention,
      samLocalVariables: props.samLocal,
    });

    if (props.oauthDomain) {
      this.oauth = new OAuthServers(this, 'OAuth', {
        domain: props.oauthDomain,
        servers: allServers,
        mainApi: api,
        authorizer: this.authorizer,
        keysTable: this.keysTable.table,
        accessLogGroup: this.accessLogGroup,
        stageName: props.stageName,
        throttling,
        environment: props.serverEnvironment,
        logRetention,
      });
    }

    this.usagePlans = new UsagePlans(this, 'UsagePlans', {
      api,
      servers: this.servers,
      ownApis: this.oauth?.servers ?? [],
    });

    this.observability = new Observability(this, 'Observability', {
      api,
      authorizer: this.authorizer.handler,
      servers: this.servers,
      oauth: this.oauth,
      logRetention,
      ...props.observability,
    });

    // Authorizer settings take effect on the next deployment: make changing them create one.
    api.latestDeployment?.addToLogicalId({
      authorizerCacheTtlSeconds: this.authorizer.gatewayCacheTtl.toSeconds(),
      restIdentitySources: Object.fromEntries(
        AUTH_MODES.filter(isGuarded).map((mode) => [mode, restIdentitySources(mode)]),
      ),
      gatewayResponses: GATEWAY_RESPONSES,
    });

    this.addOutputs(api.url, [
      ...this.servers.map((mcp) => ({ mcp, url: api.urlForPath(mcp.server.routes[0]) })),
      ...(this.oauth?.servers ?? []),
    ]);
    if (this.oauth) addOAuthOutputs(this, this.oauth);

    acknowledgeGatewayFindings(api);
    if (props.apiGatewayCloudWatchRole) acknowledgeCloudWatchRole(api);
  }

  /** The same outputs on either API: the base URL, the keys table, each server's URL and client JSON. */
  private addOutputs(baseUrl: string, endpoints: readonly { mcp: McpServerFunction; url: string }[]): void {
    new CfnOutput(this, 'ApiUrl', {
      value: baseUrl,
      description: 'Base URL of the stage; each server is at <ApiUrl><server>/mcp (npm run keys reads it)',
    });
    new CfnOutput(this, API_TYPE_OUTPUT, {
      value: this.httpApi ? 'http' : 'rest',
      description: 'rest or http: an HTTP API has no usage plans (npm run keys reads it)',
    });
    new CfnOutput(this, 'KeysTableName', {
      value: this.keysTable.table.tableName,
      description: 'DynamoDB table of API key digests (KEYS_TABLE_NAME for npm run keys)',
    });
    for (const { mcp, url } of endpoints) {
      const name = mcp.server.name;
      new CfnOutput(this, serverUrlOutput(name), {
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
