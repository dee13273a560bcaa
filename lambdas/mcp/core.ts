import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  InitializeRequestSchema,
  JSONRPCMessageSchema,
  LATEST_PROTOCOL_VERSION,
  ListToolsRequestSchema,
  PingRequestSchema,
  SetLevelRequestSchema,
  type JSONRPCMessage,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { ResolvedServer } from '../../config/types';
import { ConfigError } from '../shared/errors';
import { createLogger, describeError, type Logger } from '../shared/logger';
import { passthroughOriginOf, resolveConfigValue, type Env } from './config-values';
import { createMcpServer } from './server';
import { createDownstreamFetch } from './tools/downstream-fetch';
import { buildToolDefinitions } from './tools/registry';
import type { RequestContext, ToolDefinition } from './tools/types';

/** Protocol versions this gateway speaks (Streamable HTTP exists since 2025-03-26); newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26'];

/** Largest request body accepted (1 MiB); larger ones get 413. */
export const MAX_REQUEST_BODY_BYTES = 1_048_576;

const MAX_BATCH = 100;

/** JSON-RPC error codes the core answers with before a message reaches the SDK. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Transport-level refusal (origin, method, headers, size), as the SDK uses it. */
  ServerError: -32000,
} as const;

/** Which server a request is for and who the authorizer says the caller is. */
export interface McpInvocation {
  readonly server: ResolvedServer;
  /** The API key id the authorizer matched; null on public servers. */
  readonly keyId: string | null;
}

export interface McpCoreOptions {
  /** Where `{ env: NAME }` configuration values are read, once per server. @default process.env */
  readonly env?: Env;
  /** `fetch` used for downstream calls. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default createLogger('mcp') */
  readonly logger?: Logger;
  /** @default MAX_REQUEST_BODY_BYTES */
  readonly maxRequestBodyBytes?: number;
}

/** The protocol core: one web `Request` for one server in, one `Response` out. */
export interface McpCore {
  handle(request: Request, invocation: McpInvocation): Promise<Response>;
}

/** What is built once per server per container. */
interface ServerState {
  readonly tools: readonly ToolDefinition[];
  readonly passthroughOrigins: ReadonlySet<string>;
}

/**
 * Creates the protocol core. Checks the transport rules the SDK leaves to us or answers
 * differently (origin, method, protocol version, Accept, Content-Type, size, JSON and
 * JSON-RPC shape), then hands the parsed message to a fresh stateless SDK server and
 * transport. Per-server state (tools, passthrough origins) is built on first use and kept.
 */
export function createMcpCore(options: McpCoreOptions = {}): McpCore {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger('mcp');
  const maxBodyBytes = options.maxRequestBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const states = new Map<ResolvedServer, ServerState>();

  const stateOf = (server: ResolvedServer): ServerState => {
    let state = states.get(server);
    if (!state) {
      state = {
        tools: buildToolDefinitions(server, { env, logger }),
        passthroughOrigins: resolvePassthroughOrigins(server, env, logger),
      };
      states.set(server, state);
    }
    return state;
  };

  const respond = async (request: Request, invocation: McpInvocation, log: AccessLog): Promise<Response> => {
    const { server } = invocation;
    const refuse = (status: number, code: number, message: string, headers: Record<string, string> = {}): Response => {
      log.reason = message.slice(0, 200);
      return jsonRpcError(status, code, message, headers);
    };
    const origin = request.headers.get('origin');
    if (origin !== null && !server.allowedOrigins.includes(origin)) {
      return refuse(403, JsonRpcCode.ServerError, 'Forbidden: Origin not allowed');
    }
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: preflightHeaders(origin) });
    if (request.method !== 'POST') {
      return refuse(405, JsonRpcCode.ServerError, 'Method Not Allowed: this stateless server accepts POST only', {
        Allow: 'POST, OPTIONS',
      });
    }
    const version = request.headers.get('mcp-protocol-version');
    if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return refuse(
        400,
        JsonRpcCode.ServerError,
        `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
    }
    const accepted = mediaTypes(request.headers.get('accept'));
    if (!accepted.includes('application/json') || !accepted.includes('text/event-stream')) {
      return refuse(
        406,
        JsonRpcCode.ServerError,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    }
    if (mediaTypes(request.headers.get('content-type')).join() !== 'application/json') {
      return refuse(415, JsonRpcCode.ServerError, 'Unsupported Media Type: Content-Type must be application/json');
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === TOO_LARGE) {
      return refuse(
        413,
        JsonRpcCode.ServerError,
        `Payload Too Large: request body must not exceed ${maxBodyBytes} bytes`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body ?? '');
    } catch {
      return refuse(400, JsonRpcCode.ParseError, 'Parse error: body is not valid JSON');
    }
    const payload = toPayload(parsed);
    if (typeof payload === 'string') {
      log.reason = payload;
      return jsonRpcError(400, JsonRpcCode.InvalidRequest, payload, {}, idOf(parsed));
    }
    log.rpc = describeMessages(payload.messages);
    // The SDK reports bad params of a known method as -32603 Internal error: answer those here.
    const invalid = payload.messages.map(invalidParamsError);
    const valid = payload.items.filter((_item, index) => invalid[index] === undefined);
    const errors = invalid.filter((error) => error !== undefined);
    if (valid.length === 0) return jsonResponse(payload.batch ? errors : errors[0]);

    const state = stateOf(server);
    const authorization = request.headers.get('authorization') ?? undefined;
    const ctx: RequestContext = {
      server: server.name,
      authMode: server.authMode,
      keyId: invocation.keyId,
      authorizationReceived: authorization !== undefined,
      fetch: createDownstreamFetch({
        authMode: server.authMode,
        authorization,
        passthroughOrigins: state.passthroughOrigins,
        fetch: options.fetch,
      }),
    };
    const mcp = createMcpServer(server, ctx, state.tools);
    mcp.server.onerror = (error) =>
      logger.debug('mcp protocol error', { server: server.name, ...describeError(error) });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcp.connect(transport);
    let response: Response;
    try {
      const messages = negotiateVersion(valid);
      response = await transport.handleRequest(sdkRequest(request), {
        parsedBody: payload.batch ? messages : messages[0],
      });
    } finally {
      await mcp.close();
    }
    return errors.length === 0 ? response : mergeBatch(response, errors);
  };

  return {
    handle: async (request, invocation) => {
      const started = Date.now();
      const log: AccessLog = {};
      let response: Response;
      try {
        response = await respond(request, invocation, log);
      } catch (error) {
        // Failures of ours (configuration, SDK): logged, answered without detail.
        logger.error('mcp request failed', { server: invocation.server.name, ...describeError(error) });
        response = jsonRpcError(500, JsonRpcCode.InternalError, 'Internal error');
      }
      response = withCors(response, request.headers.get('origin'), invocation.server);
      logger.info('mcp request', {
        server: invocation.server.name,
        keyId: invocation.keyId,
        httpMethod: request.method,
        status: response.status,
        ...log,
        durationMs: Date.now() - started,
      });
      return response;
    },
  };
}

let defaultCore: McpCore | undefined;

/** Handles one request with a core built from `process.env` on first use (see `createMcpCore`). */
export function handleMcpRequest(request: Request, invocation: McpInvocation): Promise<Response> {
  defaultCore ??= createMcpCore();
  return defaultCore.handle(request, invocation);
}

/** A JSON-RPC error response (`id` null unless the request's id is known). */
export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

interface AccessLog {
  /** Why the core refused the request, when it did. */
  reason?: string;
  /** JSON-RPC methods of the request, with the tool name for tools/call; never arguments. */
  rpc?: string[];
}

function resolvePassthroughOrigins(server: ResolvedServer, env: Env, logger: Logger): ReadonlySet<string> {
  const origins = new Set<string>();
  if (server.authMode !== 'bearerPassthrough') return origins;
  for (const value of server.passthroughOrigins) {
    try {
      origins.add(passthroughOriginOf(resolveConfigValue(value, env)));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Fail closed for this origin only: the server's other tools keep working.
      logger.warn('passthrough origin skipped', { server: server.name, ...describeError(error) });
    }
  }
  return origins;
}

const TOO_LARGE = Symbol('too large');

/** The body as UTF-8 text; `TOO_LARGE` as soon as more than `maxBytes` arrive; undefined when not UTF-8. */
async function readBody(request: Request, maxBytes: number): Promise<string | undefined | typeof TOO_LARGE> {
  if (Number(request.headers.get('content-length')) > maxBytes) return TOO_LARGE;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return undefined;
  }
}

interface Payload {
  readonly batch: boolean;
  /** The messages as received: passed on unchanged, so nothing the SDK's schemas would strip is lost. */
  readonly items: readonly unknown[];
  readonly messages: readonly JSONRPCMessage[];
}

/** The JSON-RPC messages in a parsed body, or why it is not JSON-RPC. */
function toPayload(parsed: unknown): Payload | string {
  const batch = Array.isArray(parsed);
  const items: unknown[] = batch ? parsed : [parsed];
  if (items.length === 0) return 'Invalid Request: empty batch';
  if (items.length > MAX_BATCH) return `Invalid Request: a batch must not exceed ${MAX_BATCH} messages`;
  const messages: JSONRPCMessage[] = [];
  for (const item of items) {
    const result = JSONRPCMessageSchema.safeParse(item);
    if (!result.success) return 'Invalid Request: not a JSON-RPC 2.0 request, notification or response';
    messages.push(result.data);
  }
  return { batch, items, messages };
}

interface ParamsSchema {
  safeParse(value: unknown): {
    success: boolean;
    error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
  };
}

const PARAMS_SCHEMAS: ReadonlyMap<string, ParamsSchema> = new Map<string, ParamsSchema>([
  ['initialize', InitializeRequestSchema],
  ['ping', PingRequestSchema],
  ['tools/list', ListToolsRequestSchema],
  ['tools/call', CallToolRequestSchema],
  ['logging/setLevel', SetLevelRequestSchema],
]);

interface JsonRpcErrorMessage {
  readonly jsonrpc: '2.0';
  readonly id: string | number | null;
  readonly error: { readonly code: number; readonly message: string };
}

/** A -32602 error for a request whose params do not fit its (known) method; undefined otherwise. */
function invalidParamsError(message: JSONRPCMessage): JsonRpcErrorMessage | undefined {
  if (!('method' in message) || !('id' in message)) return undefined;
  const request = message as JSONRPCRequest;
  const result = PARAMS_SCHEMAS.get(request.method)?.safeParse({ method: request.method, params: request.params });
  if (!result || result.success) return undefined;
  const problems = (result.error?.issues ?? []).map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
  return {
    jsonrpc: '2.0',
    id: request.id,
    error: { code: JsonRpcCode.InvalidParams, message: `Invalid params for ${request.method}: ${problems.join('; ')}` },
  };
}

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Adds our errors to the SDK's answer to the rest of a batch (an object, an array, or 202 when only notifications were left). */
async function mergeBatch(response: Response, errors: readonly JsonRpcErrorMessage[]): Promise<Response> {
  if (response.status !== 200 && response.status !== 202) return response;
  const text = await response.text();
  const answered: unknown = text === '' ? [] : JSON.parse(text);
  return jsonResponse([...(Array.isArray(answered) ? answered : [answered]), ...errors]);
}

function idOf(parsed: unknown): string | number | null {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const id = (parsed as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function describeMessages(messages: readonly JSONRPCMessage[]): string[] {
  return messages.map((message) => {
    if (!('method' in message)) return 'response';
    const tool = message.method === 'tools/call' ? message.params?.name : undefined;
    return typeof tool === 'string' ? `tools/call:${tool.slice(0, 64)}` : message.method;
  });
}

/**
 * The SDK agrees to any version it knows, including pre-Streamable-HTTP ones. An
 * `initialize` asking for a version outside `SUPPORTED_PROTOCOL_VERSIONS` is passed on
 * as asking for the latest, so the server answers with a version it supports (the
 * client then decides whether to continue), as the lifecycle rules prescribe.
 */
function negotiateVersion(items: readonly unknown[]): unknown[] {
  return items.map((item) => {
    const message = item as { method?: unknown; params?: { protocolVersion?: unknown } };
    if (
      message.method !== 'initialize' ||
      SUPPORTED_PROTOCOL_VERSIONS.includes(String(message.params?.protocolVersion))
    ) {
      return item;
    }
    return { ...message, params: { ...message.params, protocolVersion: LATEST_PROTOCOL_VERSION } };
  });
}

/** The request the SDK sees: no body (it gets the parsed one) and no credentials, so nothing downstream of it can leak them. */
function sdkRequest(request: Request): Request {
  const headers = new Headers(request.headers);
  for (const name of ['authorization', 'x-api-key', 'cookie', 'content-length']) headers.delete(name);
  return new Request(request.url, { method: 'POST', headers });
}

/** Lowercased media types of an Accept or Content-Type header, parameters dropped. */
function mediaTypes(header: string | null): string[] {
  if (header === null) return [];
  return header
    .split(',')
    .map((part) => part.split(';', 1)[0].trim().toLowerCase())
    .filter((type) => type !== '');
}

const CORS_ALLOW_HEADERS =
  'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, X-Api-Key';

function preflightHeaders(origin: string | null): Record<string, string> {
  const headers: Record<string, string> = { Allow: 'POST, OPTIONS' };
  if (origin === null) return headers;
  return {
    ...headers,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
    'Access-Control-Max-Age': '600',
  };
}

/** Adds CORS headers for an allowed browser origin. */
function withCors(response: Response, origin: string | null, server: ResolvedServer): Response {
  if (origin === null || !server.allowedOrigins.includes(origin)) return response;
  const headers = new Headers(response.headers);
  headers.set('access-control-allow-origin', origin);
  headers.set('access-control-expose-headers', 'Mcp-Session-Id, Mcp-Protocol-Version');
  headers.append('vary', 'Origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
