import type { ResolvedServer } from './types';

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
