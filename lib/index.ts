/** mcp-gate's reusable constructs and stacks. */
export type { GuardedAuthMode } from '../config/identity-sources';
export { buildMcpGateApp, STACK_IDS, type McpGateApp } from './app';
export { ExistingApisStack, type ExistingApisStackProps, type ExistingRestApi } from './existing-apis-stack';
export { FUNCTION_MEMORY_MB } from './function-memory';
export { API_TYPES, GateHttpApi, HTTP_API_LIMITS, type ApiType, type GateHttpApiProps } from './http-api';
export type { GateFunctionOptions } from './gate-function';
export * from './gateway-responses';
export { httpIdentitySources, KeyAuthorizer, restIdentitySources, type KeyAuthorizerProps } from './key-authorizer';
export { AUTHORIZER_TABLE_ACTIONS, grantKeyLookup, KeysTable, type KeysTableProps } from './keys-table';
export { McpGateStack, type McpGateStackProps } from './mcp-gate-stack';
export { McpServerFunction, type McpServerFunctionProps } from './mcp-server-function';
export { GrantsTable, type GrantsTableProps } from './grants-table';
export { checkOAuthLayout, oauthDomainFromContext, type OAuthDomainSettings } from './oauth-domain';
export { OAuthServers, type OAuthServerDeployment, type OAuthServersProps } from './oauth-servers';
export { addServerFunctions, type ServerFunctionsProps } from './server-functions';
export { CONTEXT_KEYS } from './settings';
export { UsagePlans, type UsagePlansProps } from './usage-plans';
