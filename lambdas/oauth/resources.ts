import { resourceUri, serverForResource } from '../../config/oauth';
import { matchRoute } from '../../config/routes';
import type { ResolvedServer } from '../../config/types';

/**
 * The `oauth` server a resource URI (RFC 8707) names, or undefined: a route's exact URL, or the
 * URL of a concrete path of a `{param}` route (`/t/acme/mcp` for `/t/{tenant}/mcp`), as the
 * gateway routes it and as the server's protected-resource metadata names it.
 */
export function oauthServerForResource(
  servers: readonly ResolvedServer[],
  issuer: string,
  resource: string,
): ResolvedServer | undefined {
  const exact = serverForResource(servers, issuer, resource);
  if (exact) return exact;
  const path = concretePath(issuer, resource);
  const match = path === undefined ? undefined : matchRoute(servers, path);
  return match?.server.authMode === 'oauth' ? match.server : undefined;
}

/** The path of a resource URI on the issuer's origin, with no query or fragment; undefined otherwise. */
function concretePath(issuer: string, resource: string): string | undefined {
  const origin = resourceUri(issuer, '');
  if (!resource.startsWith(`${origin}/`)) return undefined;
  const path = resource.slice(origin.length);
  return /[?#\s]/.test(path) ? undefined : path;
}
