import { Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { splitAuthCacheTtl } from '../config/auth-cache';
import { IDENTITY_HEADERS, type GuardedAuthMode } from '../config/identity-sources';
import { FUNCTION_MEMORY_MB } from './function-memory';
import { createGateFunction, HANDLER_ENTRIES, type GateFunctionOptions } from './gate-function';
import { grantKeyLookup } from './keys-table';
import { pascalCase } from './settings';

/**
 * The REST API identity sources of a mode, from `IDENTITY_HEADERS`: a request missing one gets
 * 401 without invoking the authorizer.
 */
export function restIdentitySources(authMode: GuardedAuthMode): string[] {
  return IDENTITY_HEADERS[authMode].map((header) => apigw.IdentitySource.header(header));
}

/**
 * The HTTP API identity sources of a mode: its `IDENTITY_HEADERS`, then `$context.routeKey`,
 * which makes the cache key per route as well: the IAM policy already confines a key to its
 * server, and this keeps even a misbehaving answer from being reused on another route.
 */
export function httpIdentitySources(authMode: GuardedAuthMode): string[] {
  return [...IDENTITY_HEADERS[authMode].map((header) => `$request.header.${header}`), '$context.routeKey'];
}

export interface KeyAuthorizerProps extends GateFunctionOptions {
  /** The table of key digests; the function gets `GetItem` and `UpdateItem` on it, nothing else. */
  readonly keysTable: dynamodb.ITable;
  /**
   * How long a revoked or expired key may keep working (`AUTH_CACHE_TTL_SECONDS`): API
   * Gateway's result cache and the function's lookup cache share it, half each
   * (config/auth-cache.ts). 0 turns both off. At most 1 hour.
   * @default Duration.seconds(60)
   */
  readonly cacheTtl?: Duration;
  /**
   * Declare `DYNAMODB_ENDPOINT` (empty: AWS) so a `sam local --env-vars` file can point the
   * function at a local DynamoDB; sam local only sets variables the template declares.
   * For templates used with sam local only.
   * @default false
   */
  readonly samLocalVariables?: boolean;
}

/**
 * The API key authorizer: one Lambda function that answers REST API REQUEST events (payload
 * 1.0) and HTTP API events (payload 2.0) with an IAM policy allowing only the key's own
 * server's routes, so a cached answer can never open another server's route.
 *
 * Attach it with {@link forRestApi} (a `RestApi` of this app, or one imported with
 * `RestApi.fromRestApiAttributes`) or {@link forHttpApi} (an `HttpApi`, or one imported with
 * `HttpApi.fromHttpApiAttributes`). Each API gets one API Gateway authorizer per auth mode,
 * since identity sources belong to the authorizer.
 */
export class KeyAuthorizer extends Construct {
  /** The authorizer function (`lambdas/authorizer/handler.ts`). */
  public readonly handler: NodejsFunction;
  /** The revocation bound, passed to the function as `AUTH_CACHE_TTL_SECONDS`. */
  public readonly cacheTtl: Duration;
  /** API Gateway's result cache TTL: the larger half of {@link cacheTtl}. */
  public readonly gatewayCacheTtl: Duration;

  private readonly restAuthorizers = new Map<string, apigw.RequestAuthorizer>();
  private readonly httpAuthorizers = new Map<string, apigwv2.IHttpRouteAuthorizer>();

  constructor(scope: Construct, id: string, props: KeyAuthorizerProps) {
    super(scope, id);
    this.cacheTtl = props.cacheTtl ?? Duration.seconds(60);
    const ttlSeconds = this.cacheTtl.toSeconds({ integral: false });
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > 3600) {
      throw new Error(`KeyAuthorizer cacheTtl must be a whole number of seconds from 0 to 3600, got ${ttlSeconds}`);
    }
    this.gatewayCacheTtl = Duration.seconds(splitAuthCacheTtl(ttlSeconds).gatewaySeconds);
    this.handler = createGateFunction(this, 'Function', {
      entry: HANDLER_ENTRIES.authorizer,
      description: 'mcp-gate API key authorizer',
      memorySize: props.memorySize ?? FUNCTION_MEMORY_MB.authorizer,
      timeout: props.timeout,
      logRetention: props.logRetention,
      environment: {
        KEYS_TABLE_NAME: props.keysTable.tableName,
        AUTH_CACHE_TTL_SECONDS: String(ttlSeconds),
        ...(props.samLocalVariables ? { DYNAMODB_ENDPOINT: '' } : {}),
      },
    });
    grantKeyLookup(props.keysTable, this.handler);
  }

  /**
   * The REQUEST authorizer for methods of `api` in `authMode`, created on first use. Works
   * for an API imported by id: the authorizer and the invoke permission (source ARN
   * `…:<apiId>/authorizers/<id>`) are created in this stack.
   */
  public forRestApi(api: apigw.IRestApi, authMode: GuardedAuthMode): apigw.IAuthorizer {
    const key = `${api.node.addr}:${authMode}`;
    let authorizer = this.restAuthorizers.get(key);
    if (!authorizer) {
      authorizer = new apigw.RequestAuthorizer(this, this.uniqueId(`Rest${pascalCase(authMode)}Authorizer`), {
        handler: this.handler,
        identitySources: restIdentitySources(authMode),
        resultsCacheTtl: this.gatewayCacheTtl,
      });
      this.restAuthorizers.set(key, authorizer);
    }
    return authorizer;
  }

  /**
   * The Lambda authorizer for routes of `api` in `authMode`, created on first use: payload
   * 2.0, IAM policy answers (never simple `isAuthorized` ones, which carry no route scope),
   * cache key including the route. Works for an API imported by id.
   */
  public forHttpApi(api: apigwv2.IHttpApi, authMode: GuardedAuthMode): apigwv2.IHttpRouteAuthorizer {
    const key = `${api.node.addr}:${authMode}`;
    let routeAuthorizer = this.httpAuthorizers.get(key);
    if (!routeAuthorizer) {
      const id = this.uniqueId(`Http${pascalCase(authMode)}Authorizer`);
      const stack = Stack.of(this);
      const authorizer = new apigwv2.HttpAuthorizer(this, id, {
        httpApi: api,
        type: apigwv2.HttpAuthorizerType.LAMBDA,
        identitySource: httpIdentitySources(authMode),
        payloadFormatVersion: apigwv2.AuthorizerPayloadVersion.VERSION_2_0,
        enableSimpleResponses: false,
        resultsCacheTtl: this.gatewayCacheTtl,
        authorizerUri: `arn:${stack.partition}:apigateway:${stack.region}:lambda:path/2015-03-31/functions/${this.handler.functionArn}/invocations`,
      });
      this.handler.addPermission(`${id}Invoke`, {
        principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: stack.formatArn({
          service: 'execute-api',
          resource: api.apiId,
          resourceName: `authorizers/${authorizer.authorizerId}`,
        }),
      });
      routeAuthorizer = apigwv2.HttpAuthorizer.fromHttpAuthorizerAttributes(this, `${id}Ref`, {
        authorizerId: authorizer.authorizerId,
        authorizerType: 'CUSTOM',
      });
      this.httpAuthorizers.set(key, routeAuthorizer);
    }
    return routeAuthorizer;
  }

  private uniqueId(base: string): string {
    let id = base;
    for (let n = 2; this.node.tryFindChild(id); n++) id = `${base}${n}`;
    return id;
  }
}
