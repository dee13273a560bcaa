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

/** A JSON Schema as plain data (no `$ref`: schemas compiled from OpenAPI are inlined). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** One typed parameter of a declarative HTTP tool; it becomes part of the tool's input schema. */
export interface HttpToolParameter {
  readonly type: 'string' | 'number' | 'boolean' | 'array' | 'object';
  readonly description?: string;
  /** @default true */
  readonly required?: boolean;
  /** A full JSON Schema for the value; when set it replaces `type` in the input schema. */
  readonly schema?: JsonSchema;
}

/**
 * Where a credential is kept: an AWS Secrets Manager secret (name or ARN; its SecretString is
 * the value) or an SSM parameter (SecureString or String; its value). Config holds the
 * reference only; the function reads the value at run time, the stack grants exactly it.
 */
export type SecretRef =
  | { readonly secretsManager: string; readonly kmsKeyArn?: string }
  | { readonly ssm: string; readonly kmsKeyArn?: string };

/** How a declarative HTTP tool (or every tool of an OpenAPI source) authenticates to its API. */
export type OutboundAuth =
  | { readonly type: 'none' }
  | {
      readonly type: 'apiKey';
      /** @default 'header' */
      readonly in?: 'header' | 'query';
      /** Header or query parameter name. */
      readonly name: string;
      /** Put before the key, e.g. `'Token '`. @default '' */
      readonly prefix?: string;
      readonly value: SecretRef;
    }
  | { readonly type: 'bearer'; readonly token: SecretRef }
  | { readonly type: 'basic'; readonly username: ConfigValue; readonly password: SecretRef }
  | {
      readonly type: 'oauth2ClientCredentials';
      readonly tokenUrl: ConfigValue;
      readonly clientId: ConfigValue;
      readonly clientSecret: SecretRef;
      readonly scopes?: readonly string[];
      readonly audience?: string;
    }
  | {
      readonly type: 'sigv4';
      /** Signing name of the service, e.g. `execute-api`, `lambda`. */
      readonly service: string;
      /** @default the function's region (`AWS_REGION`) */
      readonly region?: string;
    }
  /** The caller's `Authorization`, on `bearerPassthrough` servers, to the tool's own origin when it is a passthrough origin. */
  | { readonly type: 'passthrough' };

export type OutboundAuthType = OutboundAuth['type'];

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
  /** Largest downstream response body returned to the client; longer ones are cut, with a note. @default 1048576 */
  readonly maxResponseBytes?: number;
  /**
   * How the call authenticates to the downstream API.
   * @default { type: 'passthrough' } on bearerPassthrough servers, else { type: 'none' }
   */
  readonly auth?: OutboundAuth;
}

/**
 * Picks operations of an OpenAPI document: an operationId (`listPets`), a tag (`tag:pets`),
 * or a method and path as the document writes it (`GET /pets/{petId}`).
 */
export type OperationSelector = string;

/**
 * Tools compiled from an OpenAPI 3.0 or 3.1 document at synth time and at `npm start`
 * (config/openapi/), never in the function: each selected operation becomes a declarative
 * HTTP tool.
 */
export interface OpenApiToolsConfig {
  readonly kind: 'openapi';
  /** The document (YAML or JSON), relative to the repository root. */
  readonly document: string;
  /** The API's base URL: a fixed origin (and optional path prefix), never taken from the document's servers or a parameter. */
  readonly baseUrl: ConfigValue;
  /** Only these operations. Required when more than 40 operations would be selected. @default every operation */
  readonly include?: readonly OperationSelector[];
  /** Leave these operations out (applied after `include`). @default [] */
  readonly exclude?: readonly OperationSelector[];
  /** Tool names by operationId or `METHOD /path`. @default the operationId, else method and path */
  readonly names?: Readonly<Record<string, string>>;
  /** Applies to every tool of the source. @default as for HTTP tools */
  readonly auth?: OutboundAuth;
  /** @default 10000 */
  readonly timeoutMs?: number;
  /** @default 1048576 */
  readonly maxResponseBytes?: number;
}

/** A server's tool: the name of a TypeScript function tool (see lambdas/mcp/tools/registry.ts), a declarative HTTP tool, or an OpenAPI source of such tools. */
export type ToolRef = string | HttpToolConfig | OpenApiToolsConfig;

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
