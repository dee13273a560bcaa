/** mcp-gate's reusable constructs and stacks. */
export { buildMcpGateApp, STACK_IDS, type McpGateApp } from './app';
export {
  ExistingApisStack,
  existingApisFromContext,
  type ExistingApisStackProps,
  type ExistingRestApi,
} from './existing-apis-stack';
export { createGateFunction, HANDLER_ENTRIES, type GateFunctionOptions, type GateFunctionProps } from './gate-function';
export * from './gateway-responses';
export type { GuardedAuthMode } from '../config/identity-sources';
export { httpIdentitySources, KeyAuthorizer, restIdentitySources, type KeyAuthorizerProps } from './key-authorizer';
export { AUTHORIZER_TABLE_ACTIONS, grantKeyLookup, KeysTable, type KeysTableProps } from './keys-table';
export { AUTHORIZER_FUNCTION_LOGICAL_ID, mcpFunctionLogicalId } from './logical-ids';
export { apiKeyPlaceholder, McpGateStack, type McpGateStackProps } from './mcp-gate-stack';
export { MCP_METHODS, McpServerFunction, type McpServerFunctionProps } from './mcp-server-function';
export { NAG_REASONS } from './nag';
export { CONTEXT_KEYS } from './settings';
