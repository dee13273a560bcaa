import type { ResolvedServer } from '../../config/types';
import { ConfigError } from '../shared/errors';
import { describeError, type Logger } from '../shared/logger';
import { passthroughOriginOf, resolveConfigValue, type Env } from './config-values';
import { buildToolDefinitions, type ToolBuildDeps } from './tools/registry';
import type { ToolDefinition } from './tools/types';

/** What is built once per server per container. */
export interface ServerState {
  readonly tools: readonly ToolDefinition[];
  /** Origins that may receive the caller's Authorization (bearerPassthrough servers only). */
  readonly passthroughOrigins: ReadonlySet<string>;
}

export interface ServerStateDeps extends ToolBuildDeps {
  /** Where `{ env: NAME }` configuration values are read. */
  readonly env: Env;
  readonly logger: Logger;
}

/**
 * Per-server state, built on a server's first request and kept for the container's life.
 * Throws `ConfigError` when a server's tools cannot be built (not kept: the next request
 * tries again and fails the same way).
 */
export function createServerStates(deps: ServerStateDeps): (server: ResolvedServer) => ServerState {
  const states = new Map<ResolvedServer, ServerState>();
  return (server) => {
    let state = states.get(server);
    if (!state) {
      state = {
        tools: buildToolDefinitions(server, deps),
        passthroughOrigins: resolvePassthroughOrigins(server, deps),
      };
      states.set(server, state);
    }
    return state;
  };
}

function resolvePassthroughOrigins(server: ResolvedServer, deps: ServerStateDeps): ReadonlySet<string> {
  const origins = new Set<string>();
  if (server.authMode !== 'bearerPassthrough') return origins;
  for (const value of server.passthroughOrigins) {
    try {
      origins.add(passthroughOriginOf(resolveConfigValue(value, deps.env)));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Fail closed for this origin only: the server's other tools keep working.
      deps.logger.warn('passthrough origin skipped', { server: server.name, ...describeError(error) });
    }
  }
  return origins;
}
