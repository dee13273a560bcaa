import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { KeyAuthorizer } from './key-authorizer';
import type { McpServerFunction } from './mcp-server-function';
import { pascalCase } from './settings';

/** The logical id of the authorizer function in mcp-gate's stacks. */
export const AUTHORIZER_FUNCTION_LOGICAL_ID = 'AuthorizerFunction';

/** The logical id of a server's MCP function, e.g. `McpDemoPublicFunction`. */
export function mcpFunctionLogicalId(serverName: string): string {
  return `Mcp${pascalCase(serverName)}Function`;
}

/**
 * Gives the functions readable, stable logical ids (instead of path hashes), so a
 * `sam local` env.json can name them and they survive refactoring of construct paths.
 */
export function assignFunctionLogicalIds(authorizer: KeyAuthorizer, servers: readonly McpServerFunction[]): void {
  setLogicalId(authorizer.handler, AUTHORIZER_FUNCTION_LOGICAL_ID);
  const owners = new Map<string, string>();
  for (const mcp of servers) {
    const logicalId = mcpFunctionLogicalId(mcp.server.name);
    const owner = owners.get(logicalId);
    if (owner) throw new Error(`servers "${owner}" and "${mcp.server.name}" would share the logical id ${logicalId}`);
    owners.set(logicalId, mcp.server.name);
    setLogicalId(mcp.handler, logicalId);
  }
}

function setLogicalId(fn: lambda.IFunction, logicalId: string): void {
  (fn.node.defaultChild as lambda.CfnFunction).overrideLogicalId(logicalId);
}
