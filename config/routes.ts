import type { ResolvedServer, ServerConfig } from './types';

/** The methods of an MCP route that reach the handler: POST carries JSON-RPC; GET and DELETE get its 405. */
export const MCP_METHODS = ['POST', 'GET', 'DELETE'] as const;

/**
 * The CORS preflight method. It reaches the handler with no authorizer, and only on servers
 * that list browser origins: a browser sends a preflight without credentials, so an
 * authorizer would refuse it, and the handler answers nothing but the preflight there.
 */
export const PREFLIGHT_METHOD = 'OPTIONS';

/** Whether a server's routes take the CORS preflight (see `PREFLIGHT_METHOD`). */
export function answersPreflights(server: Pick<ServerConfig, 'allowedOrigins'>): boolean {
  return (server.allowedOrigins ?? []).length > 0;
}

/**
 * A route as an IAM policy resource writes it: each `{param}` (and `{param+}`) becomes IAM's
 * `*`, which matches any text, `/` included. The authorizer's policies and the check that
 * routes of different servers never overlap both use it, so they cannot disagree.
 */
export function routeGlob(route: string): string {
  return route.replace(/\{[^}]+\}/g, '*');
}

/** The server whose routes include `resource` (a route template as API Gateway matched it, `{param}` and all). */
export function serverForRoute(
  servers: readonly ResolvedServer[],
  resource: string | undefined,
): ResolvedServer | undefined {
  if (resource === undefined) return undefined;
  return servers.find((server) => server.routes.includes(resource));
}

/** A request path matched to a configured route. */
export interface RouteMatch {
  readonly server: ResolvedServer;
  /** The route template, e.g. `/tenants/{tenant}/mcp`: API Gateway's `resource`. */
  readonly route: string;
  readonly pathParameters: Readonly<Record<string, string>>;
}

/**
 * The route a concrete request path takes, as API Gateway routes it: a literal segment
 * matches itself, `{name}` one non-empty segment, `{name+}` one or more segments (last only).
 * Literal routes win over templated ones. Path parameters are percent-decoded.
 */
export function matchRoute(servers: readonly ResolvedServer[], path: string): RouteMatch | undefined {
  let templated: RouteMatch | undefined;
  for (const server of servers) {
    for (const route of server.routes) {
      if (route === path) return { server, route, pathParameters: {} };
      if (templated === undefined && route.includes('{')) {
        const pathParameters = matchTemplate(route, path);
        if (pathParameters) templated = { server, route, pathParameters };
      }
    }
  }
  return templated;
}

function matchTemplate(route: string, path: string): Record<string, string> | undefined {
  const want = route.split('/');
  const have = path.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i];
    const greedy = /^\{([^}]+)\+\}$/.exec(segment);
    if (greedy && i === want.length - 1) {
      const rest = have.slice(i).join('/');
      if (rest === '') return undefined;
      params[greedy[1]] = decode(rest);
      return params;
    }
    const value = have[i];
    if (value === undefined) return undefined;
    const param = /^\{([^}]+)\}$/.exec(segment);
    if (param) {
      if (value === '') return undefined;
      params[param[1]] = decode(value);
    } else if (segment !== value) return undefined;
  }
  return have.length === want.length ? params : undefined;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
