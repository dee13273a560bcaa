import type { ResolvedServer } from './types';

/**
 * Where the `oauth` mode's authorization server and discovery documents live, relative to the
 * issuer (a bare origin: `http://127.0.0.1:3000` locally). The authorization server, the local
 * gateway and the stacks all read these, so a path is written once.
 */
export const OAUTH_PATHS = {
  /** RFC 8414 authorization-server metadata, at the issuer's root. */
  authorizationServerMetadata: '/.well-known/oauth-authorization-server',
  /** The OpenID Connect discovery alias some clients probe first. */
  openidConfiguration: '/.well-known/openid-configuration',
  /** RFC 9728 protected-resource metadata; a server's own document inserts its route after it. */
  protectedResourceMetadata: '/.well-known/oauth-protected-resource',
  /** The authorization server's endpoints (authorize, token, register, revoke, consent) live under this prefix. */
  endpointPrefix: '/oauth',
} as const;

/**
 * The stage variable that names the one `oauth` server a REST API stage serves. On AWS each
 * `oauth` server has its own API behind a custom-domain mapping, where the matched resource is
 * `/` for every server; the authorizer reads the server from this deployer-set variable instead.
 */
export const OAUTH_STAGE_SERVER_VARIABLE = 'mcpGateServer';

/** The scope every token of an `oauth` server carries. */
export const OAUTH_SCOPE = 'mcp';

/** A server's canonical resource URI (RFC 8707): its MCP URL, which tokens are bound to. */
export function resourceUri(issuer: string, route: string): string {
  return `${trimOrigin(issuer)}${route}`;
}

/** A server's protected-resource metadata URL: the well-known path with the route inserted (RFC 9728 §3.1). */
export function protectedResourceMetadataUrl(issuer: string, route: string): string {
  return `${trimOrigin(issuer)}${OAUTH_PATHS.protectedResourceMetadata}${route}`;
}

/** The `WWW-Authenticate` challenge a request to an `oauth` server without a valid token gets. */
export function oauthChallenge(issuer: string, route: string): string {
  return `Bearer resource_metadata="${protectedResourceMetadataUrl(issuer, route)}"`;
}

/** The `oauth` server a resource URI names, or undefined (then the request is `invalid_target`). */
export function serverForResource(
  servers: readonly ResolvedServer[],
  issuer: string,
  resource: string,
): ResolvedServer | undefined {
  return servers.find(
    (server) => server.authMode === 'oauth' && server.routes.some((route) => resourceUri(issuer, route) === resource),
  );
}

function trimOrigin(issuer: string): string {
  return issuer.replace(/\/+$/, '');
}
