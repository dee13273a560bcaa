/**
 * The server configuration's types. Data only: the authorizer, the CDK stacks,
 * the local stack and the MCP handler all import this, so nothing here may pull
 * in heavy modules (the authorizer bundle stays small).
 */

/** How a server's `/mcp` route is guarded. */
export type AuthMode = 'none' | 'apiKey' | 'bearerPassthrough' | 'oauth';

export const AUTH_MODES: readonly AuthMode[] = ['none', 'apiKey', 'bearerPassthrough', 'oauth'];

/**
 * A value taken either literally or, at container start, from an environment
 * variable (so a deployment can point a tool at its own downstream API).
 */
export type ConfigValue = string | { readonly env: string };

/** One typed parameter of a declarative HTTP tool; it becomes part of the tool's input schema. */
export interface HttpToolParameter {
  readonly type: 'string' | 'number' | 'boolean' | 'array' | 'object';
  readonly description?: string;
  /** @default true */
  readonly required?: boolean;
}

/** A tool with no code: one HTTP call to a downstream API. */
export interface HttpToolConfig {
  readonly kind: 'http';
  readonly name: string;
  readonly description: string;
  /** @default 'GET' */
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Base URL of the downstream API (scheme, host, optional path prefix). */
  readonly baseUrl: ConfigValue;
  /** Path and query template appended to `baseUrl`; `{param}` placeholders are URL-encoded. @default '' */
  readonly path?: string;
  /** Extra request headers; values may hold `{param}` placeholders. */
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON body template; string leaves that are exactly `{param}` take the parameter's typed value. */
  readonly body?: unknown;
  readonly parameters?: Readonly<Record<string, HttpToolParameter>>;
  /** @default 10000 */
  readonly timeoutMs?: number;
  /** Largest downstream response body returned to the client. @default 1048576 */
  readonly maxResponseBytes?: number;
}

/** A server's tool: the name of a TypeScript function tool (see lambdas/mcp/tools/registry.ts) or a declarative HTTP tool. */
export type ToolRef = string | HttpToolConfig;

export interface ServerConfig {
  /** Lowercase letters, digits and hyphens; also the first path segment of the server's URL. */
  readonly name: string;
  readonly authMode: AuthMode;
  readonly description?: string;
  readonly tools: readonly ToolRef[];
  /**
   * Browser origins allowed to call the server (`Origin` header). Requests without
   * `Origin` always pass; any other origin gets 403.
   * @default [] (no browser origin)
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Origins (https, or http on loopback) that may receive the caller's `Authorization`
   * header in `bearerPassthrough` mode. Ignored in other modes: nothing is forwarded there.
   * @default []
   */
  readonly passthroughOrigins?: readonly ConfigValue[];
  /**
   * Resource paths of this server on the API that serves it. The authorizer maps a matched
   * route to its server with these, and a key's policy covers exactly these paths.
   * Set it when attaching the authorizer to an existing API.
   * @default ['/<name>/mcp']
   */
  readonly routes?: readonly string[];
}

/** A server with every default applied. */
export interface ResolvedServer extends ServerConfig {
  readonly allowedOrigins: readonly string[];
  readonly passthroughOrigins: readonly ConfigValue[];
  readonly routes: readonly string[];
}
