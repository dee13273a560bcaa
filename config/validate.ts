import { ConfigError } from './errors';
import { FUNCTION_TOOL_NAMES, isFunctionToolName } from './function-tools';
import { baseUrlProblem, httpToolProblem } from './http-tools';
import { openApiSourceProblem } from './openapi/source';
import { credentialUrlProblem, envVarsOfAuth, outboundAuthProblem, sendsCredential } from './outbound-auth';
import { routeGlob } from './routes';
import {
  AUTH_MODES,
  type ConfigValue,
  type HttpToolConfig,
  type OutboundAuth,
  type ResolvedServer,
  type ServerConfig,
} from './types';

const SERVER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A route (other than the root, `/`): `/`-separated segments, each literal, a whole `{param}`, or (last only) a greedy `{param+}`, as API Gateway takes them. */
const ROUTE = /^(?:\/(?:[A-Za-z0-9._~-]+|\{[A-Za-z0-9._-]+\}))*(?:\/\{[A-Za-z0-9._-]+\+\})?$/;
/** A host name or IP literal as URL parsing leaves it (the parser accepts `*` and more). */
const ORIGIN_HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/;

/** True when `name` may name a server: lowercase letters, digits and hyphens, 1–63 characters, no leading or trailing hyphen. */
function isValidServerName(name: string): boolean {
  return SERVER_NAME.test(name);
}

/** Validates the configured servers and applies defaults; throws `ConfigError` naming the first problem. */
export function resolveServers(servers: readonly ServerConfig[]): readonly ResolvedServer[] {
  const seenNames = new Set<string>();
  const seenRoutes = new Map<string, string>();
  return servers.map((server) => {
    if (!isValidServerName(server.name)) {
      throw new ConfigError(
        `server name "${server.name}" is invalid: use lowercase letters, digits and hyphens (1-63 characters)`,
      );
    }
    if (seenNames.has(server.name)) throw new ConfigError(`server "${server.name}" is configured twice`);
    seenNames.add(server.name);
    if (!AUTH_MODES.includes(server.authMode)) {
      throw new ConfigError(`server "${server.name}": authMode must be one of ${AUTH_MODES.join(', ')}`);
    }
    const toolNames = new Set<string>();
    for (const tool of server.tools) {
      if (typeof tool !== 'string' && tool.kind === 'openapi') {
        // Its tools are compiled at synth time and at `npm start`; their names are checked then.
        const problem = openApiSourceProblem(tool) ?? authProblem(server, tool.auth, tool.baseUrl);
        if (problem !== undefined) {
          throw new ConfigError(`server "${server.name}", OpenAPI source ${tool.document}: ${problem}`);
        }
        continue;
      }
      const toolName = typeof tool === 'string' ? tool : tool.name;
      if (!TOOL_NAME.test(toolName))
        throw new ConfigError(`server "${server.name}": tool name "${toolName}" is invalid`);
      if (toolNames.has(toolName)) throw new ConfigError(`server "${server.name}": tool "${toolName}" is listed twice`);
      toolNames.add(toolName);
      const problem = toolProblem(server, tool);
      if (problem !== undefined) throw new ConfigError(`server "${server.name}", tool "${toolName}": ${problem}`);
    }
    for (const origin of server.allowedOrigins ?? []) {
      if (!isExactOrigin(origin)) {
        throw new ConfigError(
          `server "${server.name}": allowedOrigins entry "${origin}" is not an exact origin (scheme://host[:port], no wildcard, path or trailing slash)`,
        );
      }
    }
    if (server.authMode === 'oauth' && (server.passthroughOrigins?.length ?? 0) > 0) {
      throw new ConfigError(
        `server "${server.name}": passthroughOrigins is for bearerPassthrough servers; an oauth server's ` +
          'Authorization is its mcp-gate token and is never forwarded',
      );
    }
    const routes = server.routes ?? [`/${server.name}/mcp`];
    if (routes.length === 0) throw new ConfigError(`server "${server.name}": routes must not be empty`);
    for (const route of routes) {
      if (route !== '/' && (!ROUTE.test(route) || route === '')) {
        throw new ConfigError(
          `server "${server.name}": route "${route}" is invalid: use /-separated segments, each literal, a whole {param}, or a final {param+}`,
        );
      }
      for (const [other, owner] of seenRoutes) {
        if (other === route) throw new ConfigError(`route "${route}" belongs to both "${owner}" and "${server.name}"`);
        // The policy writes `{param}` as IAM's `*` (routeGlob), which matches any text, `/` included.
        if (owner !== server.name && globsIntersect(routeGlob(route), routeGlob(other))) {
          throw new ConfigError(
            `route "${route}" of "${server.name}" overlaps route "${other}" of "${owner}": ` +
              "a key of one server would open the other's route",
          );
        }
      }
      seenRoutes.set(route, server.name);
    }
    return {
      ...server,
      routes,
      allowedOrigins: server.allowedOrigins ?? [],
      passthroughOrigins: server.passthroughOrigins ?? [],
    };
  });
}

/** What is wrong with one of a server's tools (checked at load, so no request meets it), or undefined. */
function toolProblem(server: ServerConfig, tool: string | HttpToolConfig): string | undefined {
  if (typeof tool === 'string') {
    return isFunctionToolName(tool)
      ? undefined
      : `no function tool has this name (function tools: ${FUNCTION_TOOL_NAMES.join(', ')}; lambdas/mcp/tools/registry.ts implements them)`;
  }
  const problem = httpToolProblem(tool);
  if (problem !== undefined) return problem;
  // `{ env }` base URLs are checked when resolved at container start, naming the variable.
  if (typeof tool.baseUrl === 'string') {
    const urlProblem = baseUrlProblem(tool.baseUrl);
    if (urlProblem !== undefined) return urlProblem;
  }
  if (server.authMode === 'bearerPassthrough') {
    const header = Object.keys(tool.headers ?? {}).find((name) => name.toLowerCase() === 'authorization');
    if (header !== undefined) {
      return `header "${header}" cannot be set on a bearerPassthrough server: it forwards the caller's Authorization`;
    }
  }
  return authProblem(server, tool.auth, tool.baseUrl);
}

function authProblem(server: ServerConfig, auth: OutboundAuth | undefined, baseUrl: ConfigValue): string | undefined {
  if (auth === undefined) return undefined;
  const problem = outboundAuthProblem(auth, server.authMode);
  if (problem !== undefined) return problem;
  // `{ env }` URLs are checked when resolved, in the function.
  if (sendsCredential(auth) && typeof baseUrl === 'string') return credentialUrlProblem('baseUrl', baseUrl);
  return undefined;
}

/** Whether `value` is exactly an http(s) origin as browsers send it in `Origin`. */
function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value && ORIGIN_HOST.test(url.hostname)
    );
  } catch {
    return false;
  }
}

/** The environment variables a server's configuration reads (`{ env: NAME }` values), so stacks can pass them on. */
export function envVarsOf(server: ServerConfig): string[] {
  const names = new Set<string>();
  const add = (value: ConfigValue | undefined): void => {
    if (value !== undefined && typeof value !== 'string') names.add(value.env);
  };
  server.passthroughOrigins?.forEach(add);
  for (const tool of server.tools) {
    if (typeof tool === 'string') continue;
    add(tool.baseUrl);
    envVarsOfAuth(tool.auth).forEach(add);
  }
  return [...names].sort();
}

/** Whether some path matches both patterns, where `*` matches any text (IAM's wildcard) and all else is literal. */
export function globsIntersect(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === '*') result = from(i + 1, j) || (j < b.length && from(i, j + 1));
    else if (b[j] === '*') result = from(i, j + 1) || (i < a.length && from(i + 1, j));
    else result = i < a.length && j < b.length && a[i] === b[j] && from(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return from(0, 0);
}
