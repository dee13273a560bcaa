// First: zod's settings apply to the schemas built after them.
import './zod-config';
import type { ResolvedServer } from '../../config/types';
import { servers as configuredServers } from '../../config/servers';
import { optionalEnv } from '../shared/env';
import { beginInvocation } from '../shared/invocation';
import { ConfigError } from '../shared/errors';
import { createLogger, describeError } from '../shared/logger';
import { requestIdOf } from '../shared/api-gateway-event';
import { JsonRpcCode } from '../shared/json-rpc';
import {
  authorizerContextOf,
  eventToRequest,
  routePathsOf,
  toProxyResult,
  type McpEvent,
  type McpResult,
} from './api-gateway';
import { withBundledCompiledTools } from './compiled-tools';
import { createMcpCore, type McpCoreOptions } from './core';
import { resolveInvocation } from './invocation';
import { jsonRpcError } from './responses';

export interface McpHandlerOptions extends McpCoreOptions {
  /** @default the servers of config/servers.ts, with the OpenAPI tools compiled at synth */
  readonly servers?: readonly ResolvedServer[];
  /**
   * Serve only this server, whatever the route (one Lambda per server).
   * @default the `MCP_SERVER_NAME` environment variable; unset: chosen per event by route
   */
  readonly serverName?: string;
}

export type McpHandler = (event: McpEvent) => Promise<McpResult>;

/**
 * A Lambda handler for the `/mcp` routes: parses the event, picks the server, checks the
 * authorizer context, and formats the core's response. Everything reusable is built here,
 * once per container. Throws `ConfigError` when `MCP_SERVER_NAME` names no configured server.
 */
export function createHandler(options: McpHandlerOptions = {}): McpHandler {
  const { servers = withBundledCompiledTools(configuredServers), serverName, ...coreOptions } = options;
  const logger = coreOptions.logger ?? createLogger('mcp');
  const core = createMcpCore({ ...coreOptions, logger });
  const pinnedName = serverName ?? optionalEnv('MCP_SERVER_NAME', coreOptions.env ?? process.env);
  const pinned = pinnedName === undefined ? undefined : servers.find((server) => server.name === pinnedName);
  if (pinnedName !== undefined && !pinned) {
    throw new ConfigError(
      `environment variable MCP_SERVER_NAME is "${pinnedName}", which names no configured server (known: ${servers.map((s) => s.name).join(', ')})`,
    );
  }
  const select = (event: McpEvent): ResolvedServer | undefined =>
    pinned ??
    routePathsOf(event)
      .map((path) => servers.find((server) => server.routes.includes(path)))
      .find(Boolean);

  return async (event) => {
    beginInvocation('mcp');
    const requestId = requestIdOf(event);
    try {
      const server = select(event);
      if (!server) {
        logger.warn('mcp request for no server', { requestId, routes: routePathsOf(event) });
        return await toProxyResult(
          jsonRpcError(404, JsonRpcCode.ServerError, 'Not Found: no MCP server is configured for this route'),
        );
      }
      const request = eventToRequest(event);
      // Browsers send a CORS preflight without credentials, so it arrives without an authorizer
      // context (the OPTIONS route has none); it is the one request served without one.
      if (request.method === 'OPTIONS') {
        return await toProxyResult(await core.preflight(request, server, { requestId }));
      }
      const decision = resolveInvocation(server, authorizerContextOf(event));
      if (!decision.ok) {
        logger.warn('mcp request refused', { server: server.name, requestId, reason: decision.reason });
        return await toProxyResult(jsonRpcError(403, JsonRpcCode.ServerError, 'Forbidden'));
      }
      return await toProxyResult(await core.handle(request, decision.invocation, { requestId }));
    } catch (error) {
      logger.error('mcp event failed', { requestId, ...describeError(error) });
      return toProxyResult(jsonRpcError(500, JsonRpcCode.InternalError, 'Internal error'));
    }
  };
}

/** The Lambda entry point. */
export const handler: McpHandler = createHandler();
