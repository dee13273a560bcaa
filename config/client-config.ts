import type { AuthMode } from './types';

/** The placeholder a bearerPassthrough client replaces with its own token. */
const BEARER_PLACEHOLDER = 'Bearer <your token>';

/**
 * The headers a client sends for the server's auth mode, in this order: `x-api-key`, then
 * (bearerPassthrough) `Authorization` with a placeholder for the client's own token. An
 * `oauth` server takes the key itself as `Authorization: Bearer <key>` (clients that do OAuth
 * need no header at all: they sign in with the key on the consent page instead).
 */
export function clientHeaders(authMode: AuthMode, apiKey: string): Record<string, string> {
  if (authMode === 'oauth') return { Authorization: `Bearer ${apiKey}` };
  const headers: Record<string, string> = {};
  if (authMode !== 'none') headers['x-api-key'] = apiKey;
  if (authMode === 'bearerPassthrough') headers.Authorization = BEARER_PLACEHOLDER;
  return headers;
}

/**
 * The `mcpServers` entry MCP clients paste into their configuration, with the headers
 * the server's auth mode needs.
 */
export function clientConfig(
  serverName: string,
  authMode: AuthMode,
  url: string,
  apiKey: string,
): { mcpServers: Record<string, { url: string; headers?: Record<string, string> }> } {
  const headers = clientHeaders(authMode, apiKey);
  return { mcpServers: { [serverName]: authMode === 'none' ? { url } : { url, headers } } };
}

/** `https://host/stage` + `demo` → `https://host/stage/demo/mcp`. */
export function serverUrl(baseUrl: string, serverName: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${serverName}/mcp`;
}

/** `https://host/stage` + `/tenants/{tenant}/mcp` → `https://host/stage/tenants/{tenant}/mcp` (templates stay as they are). */
export function routeUrl(baseUrl: string, route: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${route}`;
}

/** The `{param}` (and `{param+}`) placeholders of a route, in order: a client fills them in. */
export function routePlaceholders(route: string): string[] {
  return [...route.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}
