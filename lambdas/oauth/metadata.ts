import { OAUTH_PATHS, OAUTH_SCOPE, resourceUri } from '../../config/oauth';
import type { ResolvedServer } from '../../config/types';

/** An RFC 9728 protected-resource metadata document. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported: readonly string[];
  readonly bearer_methods_supported: readonly string[];
  readonly resource_name: string;
}

/**
 * The protected-resource metadata served at `path`, or undefined when that path describes no
 * `oauth` server. A server's document sits at the well-known path with its route inserted
 * (RFC 9728 §3.1); the bare well-known path describes the first `oauth` server in configuration
 * order (its first route), for clients that look there before reading `WWW-Authenticate`.
 * Servers of other modes have none: they never invite OAuth discovery.
 */
export function protectedResourceMetadata(
  servers: readonly ResolvedServer[],
  issuer: string,
  path: string,
): ProtectedResourceMetadata | undefined {
  const prefix = OAUTH_PATHS.protectedResourceMetadata;
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return undefined;
  const oauthServers = servers.filter((server) => server.authMode === 'oauth');
  const route = path.slice(prefix.length);
  const server = route === '' ? oauthServers[0] : oauthServers.find((candidate) => candidate.routes.includes(route));
  if (!server) return undefined;
  return {
    resource: resourceUri(issuer, route === '' ? server.routes[0] : route),
    authorization_servers: [issuer],
    // Without it the MCP SDK's client sends no `resource` parameter.
    scopes_supported: [OAUTH_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: server.name,
  };
}
