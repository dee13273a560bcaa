import { Annotations, Aws, CfnOutput, Stack, type Duration, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct, Node } from 'constructs';
import { ConfigError } from '../config/errors';
import { servers as configuredServers } from '../config/servers';
import type { ServerConfig } from '../config/types';
import { resolveServers } from '../config/validate';
import { KeyAuthorizer } from './key-authorizer';
import { KeysTable } from './keys-table';
import { PREFLIGHT_METHOD } from '../config/routes';
import { httpRouteSource, namedRestMethodSource } from './api-metrics';
import { Observability, type ImportedApiMetrics, type ObservabilityOptions } from './observability';
import type { McpServerFunction } from './mcp-server-function';
import { addServerFunctions, deployableServers } from './server-functions';
import { CONTEXT_KEYS, pascalCase, stringFromContext } from './settings';

/** A REST API this app does not manage, by id. */
export interface ExistingRestApi {
  readonly restApiId: string;
  /** The id of the API's root resource (`aws apigateway get-resources`, path `/`). */
  readonly rootResourceId: string;
  /**
   * A stage to deploy the new methods to. Deploying changes what that stage serves, so it
   * is opt-in.
   * @default - no deployment: the API's owner deploys (`aws apigateway create-deployment`)
   */
  readonly stageName?: string;
  /**
   * The API's name. API Gateway publishes a REST API's metrics by name and stage, and an API
   * imported by id does not carry its name: with this and `stageName`, the dashboard and alarms
   * show each server's requests, 4xx, 5xx and latency on that stage (per-method metrics, which
   * the API's owner turns on for the stage).
   * @default - no API Gateway figures of this API on the dashboard, and a synth warning
   */
  readonly apiName?: string;
}

export interface ExistingApisStackProps extends StackProps {
  /**
   * The REST API to add `/<server>/mcp` methods (and the key authorizer) to.
   * @default - none
   */
  readonly restApi?: ExistingRestApi;
  /**
   * The id of the HTTP API to add `/<server>/mcp` routes (and the key authorizer) to. Its
   * `$default` stage with auto-deploy serves them at once; other stages need a deployment.
   * @default - none
   */
  readonly httpApiId?: string;
  /**
   * An existing keys table (for example the `McpGate` stack's `KeysTableName` output), so
   * keys made with `npm run keys` work on both.
   * @default - a new KeysTable in this stack
   */
  readonly keysTableName?: string;
  /** @default the servers of config/servers.ts */
  readonly servers?: readonly ServerConfig[];
  /** @default Duration.seconds(60) */
  readonly authCacheTtl?: Duration;
  /** @default {} */
  readonly serverEnvironment?: Readonly<Record<string, string>>;
  /**
   * Dashboard, alarms, alarm email and X-Ray tracing of the stack's functions (lib/observability.ts);
   * the imported APIs' stages are left as they are.
   * @default - no tracing, alarms without action
   */
  readonly observability?: ObservabilityOptions;
}

/** The stage of an HTTP API the stack's routes are served on (see `httpApiId`). */
const HTTP_API_STAGE = '$default';

/**
 * The example of attaching mcp-gate to APIs managed elsewhere: imports a REST API and/or an
 * HTTP API by id and adds, for every configured server, POST/GET/DELETE on its routes with
 * that server's MCP function, guarded by the key authorizer as its auth mode says. The
 * authorizer's invoke permissions name each API's authorizer ARN.
 */
export class ExistingApisStack extends Stack {
  public readonly keysTable: dynamodb.ITable;
  public readonly authorizer: KeyAuthorizer;
  public readonly restApi?: apigw.IRestApi;
  public readonly httpApi?: apigwv2.IHttpApi;
  /** The deployment of the REST API's new methods, when `restApi.stageName` is set. */
  public readonly restDeployment?: apigw.Deployment;
  public readonly servers: readonly McpServerFunction[];
  /** The dashboard and alarms. */
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ExistingApisStackProps) {
    super(scope, id, props);
    if (!props.restApi && !props.httpApiId) {
      throw new ConfigError('ExistingApisStack needs restApi or httpApiId (an API to attach to)');
    }
    const servers = resolveServers(props.servers ?? deployableServers(configuredServers).deployable);

    this.keysTable = props.keysTableName
      ? dynamodb.Table.fromTableName(this, 'Keys', props.keysTableName)
      : new KeysTable(this, 'Keys').table;
    this.authorizer = new KeyAuthorizer(this, 'Authorizer', {
      keysTable: this.keysTable,
      cacheTtl: props.authCacheTtl,
    });

    if (props.restApi) {
      this.restApi = apigw.RestApi.fromRestApiAttributes(this, 'RestApi', {
        restApiId: props.restApi.restApiId,
        rootResourceId: props.restApi.rootResourceId,
      });
    }
    if (props.httpApiId) {
      this.httpApi = apigwv2.HttpApi.fromHttpApiAttributes(this, 'HttpApi', { httpApiId: props.httpApiId });
    }

    this.servers = addServerFunctions(this, {
      servers,
      authorizer: this.authorizer,
      environment: props.serverEnvironment,
      restApi: this.restApi,
      httpApi: this.httpApi,
    });

    if (this.restApi && props.restApi?.stageName) {
      // Deployments are snapshots: a new logical id (from the routes and settings) makes a new one.
      this.restDeployment = new apigw.Deployment(this, 'RestDeployment', {
        api: this.restApi,
        stageName: props.restApi.stageName,
        description: 'mcp-gate routes',
      });
      this.restDeployment.addToLogicalId({
        // OPTIONS joins the list only where deployed, so other servers keep their deployment's id.
        routes: this.servers.map((mcp) => [
          mcp.server.name,
          mcp.server.authMode,
          mcp.server.routes,
          ...(mcp.preflights.length > 0 ? [PREFLIGHT_METHOD] : []),
        ]),
        authorizerCacheTtlSeconds: this.authorizer.gatewayCacheTtl.toSeconds(),
      });
      for (const mcp of this.servers) this.restDeployment.node.addDependency(...mcp.methods);
    }

    this.observability = new Observability(this, 'Observability', {
      authorizer: this.authorizer.handler,
      servers: this.servers,
      importedApis: this.importedApiMetrics(props),
      ...props.observability,
    });

    for (const mcp of this.servers) {
      const name = pascalCase(mcp.server.name);
      const route = mcp.server.routes[0];
      if (props.restApi) {
        const stage = props.restApi.stageName ?? '<stage>';
        new CfnOutput(this, `Rest${name}Url`, {
          value: `https://${props.restApi.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${stage}${route}`,
          description: `${mcp.server.name} on the existing REST API${props.restApi.stageName ? '' : ' (after you deploy it to a stage)'}`,
        });
      }
      if (props.httpApiId) {
        new CfnOutput(this, `Http${name}Url`, {
          value: `https://${props.httpApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}${route}`,
          description: `${mcp.server.name} on the existing HTTP API (${HTTP_API_STAGE} stage)`,
        });
      }
    }
  }

  /** Where API Gateway publishes the servers' figures, on the APIs where the stack can know it. */
  private importedApiMetrics(props: ExistingApisStackProps): ImportedApiMetrics[] {
    const apis: ImportedApiMetrics[] = [];
    const { apiName, stageName } = props.restApi ?? {};
    if (apiName && stageName) {
      apis.push({
        id: 'Rest',
        label: 'REST API',
        sourceOf: (route, method) => namedRestMethodSource(apiName, stageName, route, method),
      });
    } else if (props.restApi) {
      Annotations.of(this).addWarningV2(
        'mcp-gate:existingRestApiMetrics',
        'the existing REST API has no requests, 4xx, 5xx or latency graphs and no 5xx-rate or p99 alarms: ' +
          'API Gateway publishes REST API metrics by API name and stage, which an API imported by id does not carry. ' +
          `Give its name (${CONTEXT_KEYS.existingRestApiName}) and stage (${CONTEXT_KEYS.existingRestApiStage}); ` +
          'docs/observability.md.',
      );
    }
    const httpApi = this.httpApi;
    if (httpApi) {
      apis.push({
        id: 'Http',
        label: 'HTTP API',
        sourceOf: (route, method) => httpRouteSource(httpApi, { stageName: HTTP_API_STAGE }, route, method),
      });
    }
    return apis;
  }
}

/** The existing APIs named in context, or undefined when none is (then the app has no such stack). */
export function existingApisFromContext(node: Node): Pick<ExistingApisStackProps, 'restApi' | 'httpApiId'> | undefined {
  const restApiId = stringFromContext(node, CONTEXT_KEYS.existingRestApiId);
  const httpApiId = stringFromContext(node, CONTEXT_KEYS.existingHttpApiId);
  if (!restApiId && !httpApiId) return undefined;
  let restApi: ExistingRestApi | undefined;
  if (restApiId) {
    const rootResourceId = stringFromContext(node, CONTEXT_KEYS.existingRestApiRootResourceId);
    if (!rootResourceId) {
      throw new ConfigError(
        `context ${CONTEXT_KEYS.existingRestApiId} needs ${CONTEXT_KEYS.existingRestApiRootResourceId} (aws apigateway get-resources --rest-api-id ${restApiId})`,
      );
    }
    restApi = {
      restApiId,
      rootResourceId,
      stageName: stringFromContext(node, CONTEXT_KEYS.existingRestApiStage),
      apiName: stringFromContext(node, CONTEXT_KEYS.existingRestApiName),
    };
  }
  return { restApi, httpApiId };
}
