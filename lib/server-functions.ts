import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { Construct } from 'constructs';
import type { ServerConfig } from '../config/types';
import { resolveServers } from '../config/validate';
import type { GateFunctionOptions } from './gate-function';
import type { KeyAuthorizer } from './key-authorizer';
import { assignFunctionLogicalIds, checkDistinctLogicalIds } from './logical-ids';
import { McpServerFunction } from './mcp-server-function';
import { acknowledgeRuntime, acknowledgeServerMethods } from './nag';
import { pascalCase } from './settings';

export interface ServerFunctionsProps extends Pick<GateFunctionOptions, 'logRetention'> {
  /** The servers; they are validated together here (names, routes that must not overlap). */
  readonly servers: readonly ServerConfig[];
  readonly authorizer: KeyAuthorizer;
  /** @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default false */
  readonly samLocalVariables?: boolean;
  /** @default - no REST API routes */
  readonly restApi?: apigw.IRestApi;
  /** @default - no HTTP API routes */
  readonly httpApi?: apigwv2.IHttpApi;
}

/**
 * The servers of a stack: one {@link McpServerFunction} per server (construct id
 * `Server<Name>`) with its routes on the given APIs, the functions' readable logical ids
 * (lib/logical-ids.ts), and the cdk-nag acknowledgements of their methods and runtimes.
 */
export function addServerFunctions(scope: Construct, props: ServerFunctionsProps): McpServerFunction[] {
  const servers = resolveServers(props.servers);
  checkDistinctLogicalIds(servers.map((server) => server.name));
  const functions = servers.map((server) => {
    const mcp = new McpServerFunction(scope, `Server${pascalCase(server.name)}`, {
      server,
      authorizer: props.authorizer,
      environment: props.environment,
      logRetention: props.logRetention,
      samLocalVariables: props.samLocalVariables,
    });
    if (props.restApi) mcp.addToRestApi(props.restApi);
    if (props.httpApi) mcp.addToHttpApi(props.httpApi);
    acknowledgeServerMethods(mcp);
    return mcp;
  });
  assignFunctionLogicalIds(props.authorizer, functions);
  acknowledgeRuntime(props.authorizer.handler, ...functions.map((mcp) => mcp.handler));
  return functions;
}

/**
 * The servers the stacks can deploy, and the names of the `oauth` servers left out: all of
 * them without a custom domain (`customDomain`), none with one.
 */
export function deployableServers<T extends ServerConfig>(
  all: readonly T[],
  options: { readonly customDomain?: boolean } = {},
): { readonly deployable: readonly T[]; readonly oauth: readonly string[] } {
  if (options.customDomain) return { deployable: all, oauth: [] };
  return {
    deployable: all.filter((server) => server.authMode !== 'oauth'),
    oauth: all.filter((server) => server.authMode === 'oauth').map((server) => server.name),
  };
}
