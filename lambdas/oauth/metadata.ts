import { OAUTH_PATHS, OAUTH_SCOPE, resourceUri } from '../../config/oauth';
import type { ResolvedServer } from '../../config/types';
import { oauthServerForResource } from './resources';

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
 * (RFC 9728 §3.1); for a `{param}` route, with the concrete path the client used, which is then
 * the resource. The bare well-known path describes the first `oauth` server in configuration
 * order (its first route without a `{param}`), for clients that look there before reading
 * `WWW-Authenticate`. Servers of other modes have none: they never invite OAuth discovery.
 */
export function protectedResourceMetadata(
  servers: readonly ResolvedServer[],
  issuer: string,
  path: string,
): ProtectedResourceMetadata | undefined {
  const prefix = OAUTH_PATHS.protectedResourceMetadata;
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return undefined;
  let route = path.slice(prefix.length);
  let server: ResolvedServer | undefined;
  if (route === '') {
    for (const candidate of servers.filter((s) => s.authMode === 'oauth')) {
      const literal = candidate.routes.find((r) => !r.includes('{'));
      if (literal) {
        [server, route] = [candidate, literal];
        break;
      }
    }
  } else {
    server = oauthServerForResource(servers, issuer, resourceUri(issuer, route));
  }
  if (!server) return undefined;
  return {
    resource: resourceUri(issuer, route),
    authorization_servers: [issuer],
    // Without it the MCP SDK's client sends no `resource` parameter.
    scopes_supported: [OAUTH_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: server.name,
  };
}
