/** The MCP handler's public API, for the local stack, benchmarks and tests. */
export { handler, createHandler, type McpHandler, type McpHandlerOptions } from './handler';
export {
  createMcpCore,
  handleMcpRequest,
  jsonRpcError,
  JsonRpcCode,
  MAX_REQUEST_BODY_BYTES,
  SUPPORTED_PROTOCOL_VERSIONS,
  type McpCore,
  type McpCoreOptions,
  type McpInvocation,
} from './core';
export { createMcpServer } from './server';
export {
  authorizerContextOf,
  eventToRequest,
  routePathsOf,
  toProxyResult,
  type AuthorizerContext,
  type McpEvent,
  type McpResult,
} from './api-gateway';
export { resolveInvocation, type InvocationDecision } from './invocation';
export { functionTools, buildToolDefinitions } from './tools/registry';
export { createDownstreamFetch, type DownstreamFetchOptions } from './tools/downstream-fetch';
export {
  defineTool,
  textResult,
  toolError,
  type DownstreamFetch,
  type FunctionTool,
  type RequestContext,
  type ToolContext,
  type ToolDefinition,
} from './tools/types';
