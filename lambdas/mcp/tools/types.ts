import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { AuthMode } from '../../../config/types';

/** Request options a tool may pass to `ToolContext.fetch`; redirects are always handled by the fetch itself. */
export type DownstreamRequestInit = Omit<RequestInit, 'redirect' | 'window'> & {
  /**
   * Whether the caller's `Authorization` may be added (passthrough rules still apply); false
   * when the tool authenticates with a credential of its own.
   * @default true
   */
  readonly forwardAuthorization?: boolean;
  /**
   * The request carries the tool's own credential (in any header or the query): a redirect to
   * another origin is refused rather than followed, so the credential never leaves its API.
   * @default false
   */
  readonly carriesCredential?: boolean;
};

/**
 * `fetch` for downstream calls. It adds the caller's `Authorization` header only in
 * `bearerPassthrough` servers and only for allow-listed origins, follows redirects itself
 * (dropping that header on a cross-origin hop) and accepts only http and https URLs.
 */
export type DownstreamFetch = (url: string | URL, init?: DownstreamRequestInit) => Promise<Response>;

/** What one MCP request knows about its caller; built per request, never holds a secret. */
export interface RequestContext {
  /** The server's configured name. */
  readonly server: string;
  readonly authMode: AuthMode;
  /** The API key id the authorizer matched; null on public servers. */
  readonly keyId: string | null;
  /** API Gateway's request id, for log lines; undefined when the event has none. */
  readonly requestId?: string;
  /** Whether the request carried an `Authorization` header (its value is only reachable through `fetch`). */
  readonly authorizationReceived: boolean;
  readonly fetch: DownstreamFetch;
}

/** The context a tool handler receives: the request's context plus the call's cancellation signal. */
export interface ToolContext extends RequestContext {
  /** Aborted when the client cancels the call or the request ends. */
  readonly signal: AbortSignal;
}

/** Any zod object schema: a tool's arguments are always a JSON object. */
export type ToolInputSchema = z.ZodObject<z.ZodRawShape>;

/** A TypeScript function tool, listed by name in a server's `tools`. */
export interface FunctionTool<Schema extends ToolInputSchema = ToolInputSchema> {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Schema;
  handler(args: z.output<Schema>, ctx: ToolContext): CallToolResult | Promise<CallToolResult>;
}

/**
 * A tool ready to register on an MCP server: built once per container from a function tool
 * or a declarative HTTP tool.
 */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: ToolInputSchema;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<CallToolResult>;
}

/** Declares a function tool with its argument types inferred from the schema. */
export function defineTool<Schema extends ToolInputSchema>(tool: FunctionTool<Schema>): FunctionTool<Schema> {
  return tool;
}

/** A tool result holding one text block. */
export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

/** A tool error result (`isError: true`): the model sees the message, the protocol call succeeds. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
