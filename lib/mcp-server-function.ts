import { Annotations, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ConfigError } from '../config/errors';
import { isGuarded } from '../config/identity-sources';
import { answersPreflights, MCP_METHODS, PREFLIGHT_METHOD } from '../config/routes';
import { compileSourcesSync } from '../config/openapi/compile-servers';
import { openApiSourcesOf, withCompiledSources } from '../config/openapi/source';
import { secretRefsOf } from '../config/outbound-auth';
import type { ResolvedServer, SecretRef, ServerConfig } from '../config/types';
import { COMPILED_TOOLS_FILE, type CompiledToolsFile } from '../lambdas/mcp/compiled-tools';
import { envVarsOf, resolveServers } from '../config/validate';
import { FUNCTION_MEMORY_MB } from './function-memory';
import { createGateFunction, HANDLER_ENTRIES, type GateFunctionOptions } from './gate-function';
import type { KeyAuthorizer } from './key-authorizer';

export interface McpServerFunctionProps extends GateFunctionOptions {
  /** The server's configuration (an entry of config/servers.ts); defaults are applied here. */
  readonly server: ServerConfig;
  /** Required unless the server's `authMode` is `none`. */
  readonly authorizer?: KeyAuthorizer;
  /**
   * Values of the environment variables the server's configuration reads (`{ env: NAME }`,
   * see `envVarsOf`). Only those names are passed on; a name without a value is left unset
   * (the tool that needs it then reports it is not configured).
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Declare the configured variables that have no value (empty) so a `sam local --env-vars`
   * file can set them; sam local only sets variables the template declares. For templates
   * used with sam local only.
   * @default false
   */
  readonly samLocalVariables?: boolean;
  /**
   * A REST API to add the server's routes to right away; see {@link McpServerFunction.addToRestApi}.
   * @default - no routes until `addToRestApi` or `addToHttpApi` is called
   */
  readonly restApi?: apigw.IRestApi;
  /**
   * @default Duration.seconds(29), the REST API integration timeout
   */
  readonly timeout?: Duration;
}

/**
 * One MCP server: its own handler function (`lambdas/mcp/handler.ts`, pinned to the server
 * by `MCP_SERVER_NAME`) and POST, GET and DELETE on each of its routes (default
 * `/<name>/mcp`), guarded as its auth mode says: `none` has no authorizer at all; `apiKey`
 * and `bearerPassthrough` use the key authorizer (the `Authorization` header reaches the
 * handler unchanged). A server with `allowedOrigins` also gets OPTIONS on each route, with
 * no authorization, for CORS preflights ({@link PREFLIGHT_METHOD}). The function gets no
 * access to the keys table. OpenAPI sources are compiled here, at synth, and bundled as data
 * (`compiled-tools.json`); the role may read exactly the secrets the server's tools reference.
 */
export class McpServerFunction extends Construct {
  /** The server's configuration with defaults applied. */
  public readonly server: ResolvedServer;
  public readonly handler: NodejsFunction;
  /** REST API methods added so far, preflight methods included. */
  public readonly methods: apigw.Method[] = [];
  /** HTTP API routes added so far, preflight routes included. */
  public readonly httpRoutes: apigwv2.HttpRoute[] = [];
  /** The OPTIONS methods and routes among those: no authorization, CORS preflights only. */
  public readonly preflights: Array<apigw.Method | apigwv2.HttpRoute> = [];

  private readonly authorizer?: KeyAuthorizer;
  /** The tools with each OpenAPI source replaced by the tools it compiled to. */
  private compiledTools?: ResolvedServer['tools'];
  /** One integration per HTTP API (CDK ties an integration to the API it is first used on). */
  private readonly httpIntegrations = new Map<string, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: McpServerFunctionProps) {
    super(scope, id);
    [this.server] = resolveServers([props.server]);
    if (isGuarded(this.server.authMode) && !props.authorizer) {
      throw new Error(
        `McpServerFunction "${this.server.name}" has authMode ${this.server.authMode}: pass the KeyAuthorizer`,
      );
    }
    this.authorizer = props.authorizer;
    const environment: Record<string, string> = { MCP_SERVER_NAME: this.server.name };
    for (const name of envVarsOf(this.server)) {
      const value = props.environment?.[name];
      if (value !== undefined && value !== '') environment[name] = value;
      else if (props.samLocalVariables) environment[name] = '';
    }
    this.handler = createGateFunction(this, 'Function', {
      entry: HANDLER_ENTRIES.mcp,
      description: `mcp-gate MCP server ${this.server.name} (${this.server.authMode})`,
      memorySize: props.memorySize ?? FUNCTION_MEMORY_MB.mcp,
      timeout: props.timeout ?? Duration.seconds(29),
      logRetention: props.logRetention,
      environment,
      files: this.compileOpenApiSources(),
    });
    this.grantSecrets(secretRefsOf(this.server));
    if (props.restApi) this.addToRestApi(props.restApi);
  }

  /**
   * Adds POST, GET and DELETE on each of the server's routes to `api`, and OPTIONS when the
   * server allows browser origins (resources are created under its root, so for an imported
   * API none of those paths may exist yet). Invoke permissions are scoped to each method; for
   * an imported API they cover any stage. Throws for an `oauth` server: see {@link addToOwnRestApi}.
   */
  public addToRestApi(api: apigw.IRestApi): apigw.Method[] {
    this.refuseSharedApi();
    return this.addRestMethods(
      api,
      this.server.routes.map((route) => api.root.resourceForPath(route)),
    );
  }

  /**
   * Serves the server at the root of `api`, an API of its own that a custom-domain mapping puts
   * at the server's route (how `oauth` servers deploy, see `OAuthServers`): the same methods as
   * {@link addToRestApi}, on `/`. The API's gateway responses then belong to this server alone.
   */
  public addToOwnRestApi(api: apigw.IRestApi): apigw.Method[] {
    return this.addRestMethods(api, [api.root]);
  }

  private addRestMethods(api: apigw.IRestApi, resources: readonly apigw.IResource[]): apigw.Method[] {
    const integration = new apigw.LambdaIntegration(this.handler, { allowTestInvoke: false });
    const mode = this.server.authMode;
    const authorizer = isGuarded(mode) ? this.keyAuthorizer().forRestApi(api, mode) : undefined;
    const added: apigw.Method[] = [];
    for (const resource of resources) {
      for (const method of MCP_METHODS) {
        added.push(
          resource.addMethod(
            method,
            integration,
            authorizer
              ? { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer }
              : { authorizationType: apigw.AuthorizationType.NONE },
          ),
        );
      }
      if (answersPreflights(this.server)) {
        const preflight = resource.addMethod(PREFLIGHT_METHOD, integration, {
          authorizationType: apigw.AuthorizationType.NONE,
        });
        this.preflights.push(preflight);
        added.push(preflight);
      }
    }
    this.methods.push(...added);
    return added;
  }

  /**
   * An `oauth` server's 401 carries its own `WWW-Authenticate` challenge, which API Gateway can
   * only send as a static gateway response of a whole API: it never shares an API's routes.
   */
  private refuseSharedApi(): void {
    if (this.server.authMode === 'oauth') {
      throw new ConfigError(
        `server "${this.server.name}" has authMode oauth: it is served by an API of its own under the custom domain ` +
          `(-c mcp-gate:domainName, see docs/deploy.md), never on the routes of a shared API`,
      );
    }
  }

  /**
   * Adds POST, GET and DELETE routes for each of the server's routes to `api` (payload 2.0
   * to the handler), guarded by the key authorizer as the auth mode says, and an OPTIONS
   * route without authorization when the server allows browser origins.
   */
  public addToHttpApi(api: apigwv2.IHttpApi): apigwv2.HttpRoute[] {
    this.refuseSharedApi();
    let integration = this.httpIntegrations.get(api.node.addr);
    if (!integration) {
      integration = new HttpLambdaIntegration(`HttpIntegration${this.httpIntegrations.size || ''}`, this.handler);
      this.httpIntegrations.set(api.node.addr, integration);
    }
    const mode = this.server.authMode;
    const authorizer = isGuarded(mode) ? this.keyAuthorizer().forHttpApi(api, mode) : new apigwv2.HttpNoneAuthorizer();
    const added: apigwv2.HttpRoute[] = [];
    for (const route of this.server.routes) {
      for (const method of MCP_METHODS) {
        added.push(
          new apigwv2.HttpRoute(this, this.uniqueId(`Http${method}${route.replace(/[^A-Za-z0-9]/g, '')}`), {
            httpApi: api,
            routeKey: apigwv2.HttpRouteKey.with(route, apigwv2.HttpMethod[method]),
            integration,
            authorizer,
          }),
        );
      }
      if (answersPreflights(this.server)) {
        const preflight = new apigwv2.HttpRoute(
          this,
          this.uniqueId(`Http${PREFLIGHT_METHOD}${route.replace(/[^A-Za-z0-9]/g, '')}`),
          {
            httpApi: api,
            routeKey: apigwv2.HttpRouteKey.with(route, apigwv2.HttpMethod.OPTIONS),
            integration,
            authorizer: new apigwv2.HttpNoneAuthorizer(),
          },
        );
        this.preflights.push(preflight);
        added.push(preflight);
      }
    }
    this.httpRoutes.push(...added);
    return added;
  }

  /** The names of the tools the function serves, those compiled from OpenAPI sources included. */
  public get toolNames(): string[] {
    return (this.compiledTools ?? this.server.tools).flatMap((tool) =>
      typeof tool === 'string' ? [tool] : 'name' in tool ? [tool.name] : [],
    );
  }

  /** Compiles the server's OpenAPI sources (names checked against its other tools); the data file to bundle. */
  private compileOpenApiSources(): Record<string, string> {
    const sources = openApiSourcesOf(this.server);
    if (sources.length === 0) return {};
    const { compiled, warnings } = compileSourcesSync(sources);
    const [withTools] = resolveServers([withCompiledSources(this.server, compiled)]);
    this.compiledTools = withTools.tools;
    for (const warning of warnings) Annotations.of(this).addWarningV2('mcp-gate:openApiOperationSkipped', warning);
    const file: CompiledToolsFile = { server: this.server.name, sources: compiled };
    return { [COMPILED_TOOLS_FILE]: JSON.stringify(file) };
  }

  /**
   * Lets the function read exactly `refs`: GetSecretValue on each secret (a name matches the
   * six characters Secrets Manager appends), GetParameter on each parameter, and Decrypt on
   * the customer-managed KMS keys named (the AWS managed keys need no grant).
   */
  private grantSecrets(refs: readonly SecretRef[]): void {
    if (refs.length === 0) return;
    const stack = Stack.of(this);
    const secretArns: string[] = [];
    const parameterArns: string[] = [];
    const keyArns = new Set<string>();
    for (const ref of refs) {
      if (ref.kmsKeyArn !== undefined) keyArns.add(ref.kmsKeyArn);
      if ('secretsManager' in ref) {
        secretArns.push(
          ref.secretsManager.startsWith('arn:')
            ? ref.secretsManager
            : stack.formatArn({
                service: 'secretsmanager',
                resource: 'secret',
                resourceName: `${ref.secretsManager}-??????`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
        );
      } else {
        parameterArns.push(
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: ref.ssm.replace(/^\//, ''),
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        );
      }
    }
    const role = this.handler.role as iam.IRole;
    if (secretArns.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }),
      );
    }
    if (parameterArns.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: parameterArns }));
    }
    if (keyArns.size > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [...keyArns] }));
    }
  }

  private keyAuthorizer(): KeyAuthorizer {
    if (!this.authorizer) throw new Error(`McpServerFunction "${this.server.name}" needs a KeyAuthorizer`);
    return this.authorizer;
  }

  private uniqueId(base: string): string {
    let id = base;
    for (let n = 2; this.node.tryFindChild(id); n++) id = `${base}${n}`;
    return id;
  }
}
