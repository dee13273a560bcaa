import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConfigError } from '../config/errors';
import type { KeyAuthorizer } from './key-authorizer';
import type { McpServerFunction } from './mcp-server-function';
import { pascalCase } from './settings';

/** The logical id of the authorizer function in mcp-gate's stacks. */
const AUTHORIZER_FUNCTION_LOGICAL_ID = 'AuthorizerFunction';

/** The logical id of a server's MCP function, e.g. `McpDemoPublicFunction`. */
function mcpFunctionLogicalId(serverName: string): string {
  return `Mcp${pascalCase(serverName)}Function`;
}

/**
 * Refuses server names that would share a logical id (`foo-1` and `foo1` are both
 * `McpFoo1Function`), naming both, before any construct is made for them.
 */
export function checkDistinctLogicalIds(serverNames: readonly string[]): void {
  const owners = new Map<string, string>();
  for (const name of serverNames) {
    const logicalId = mcpFunctionLogicalId(name);
    const owner = owners.get(logicalId);
    if (owner !== undefined) {
      throw new ConfigError(`servers "${owner}" and "${name}" would share the logical id ${logicalId}: rename one`);
    }
    owners.set(logicalId, name);
  }
}

/**
 * Gives the functions readable, stable logical ids (instead of path hashes), so a
 * `sam local` env.json can name them and they survive refactoring of construct paths.
 */
export function assignFunctionLogicalIds(authorizer: KeyAuthorizer, servers: readonly McpServerFunction[]): void {
  setLogicalId(authorizer.handler, AUTHORIZER_FUNCTION_LOGICAL_ID);
  for (const mcp of servers) setLogicalId(mcp.handler, mcpFunctionLogicalId(mcp.server.name));
}

function setLogicalId(fn: lambda.IFunction, logicalId: string): void {
  (fn.node.defaultChild as lambda.CfnFunction).overrideLogicalId(logicalId);
}
