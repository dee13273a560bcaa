import { InitializeRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ResolvedServer } from '../../config/types';
import { JsonRpcCode } from '../shared/json-rpc';
import { createLogger, describeError, type Logger } from '../shared/logger';
import type { Env } from './config-values';
import { preflightResponse, withCors } from './cors';
import {
  ALLOWED_METHODS,
  checkHeaders,
  checkOrigin,
  MAX_REQUEST_BODY_BYTES,
  readBody,
  TOO_LARGE,
  tooLarge,
  type Refusal,
} from './http-checks';
import { HttpResponse, type McpRequest, type McpResponse } from './http-message';
import { JsonResponseTransport } from './json-transport';
import {
  describeMessages,
  invalidParamsError,
  isPayloadError,
  mergeBatch,
  negotiateVersion,
  parsePayload,
} from './messages';
import { jsonResponse, jsonRpcError } from './responses';
import { createMcpServer } from './server';
import { createServerStates } from './server-state';
import { awsSecretLoader, cachedSecrets, type SecretSource } from './secrets';
import { createTokenCache, type TokenCache } from './tools/client-credentials';
import { createDownstreamFetch } from './tools/downstream-fetch';
import type { RequestContext } from './tools/types';

/** How much of an SDK protocol error's message a debug line keeps. */
const PROTOCOL_ERROR_MESSAGE_CHARS = 256;

/** Which server a request is for and who the authorizer says the caller is. */
export interface McpInvocation {
  readonly server: ResolvedServer;
  /** The API key id the authorizer matched; null on public servers. */
  readonly keyId: string | null;
}

/** What the event says about the request besides the request itself. */
export interface RequestMeta {
  /** API Gateway's request id: every log line of the request carries it. */
  readonly requestId?: string;
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
  /**
   * Where tools' outbound auth reads secrets.
   * @default Secrets Manager and SSM with the function's role, each value kept SECRET_CACHE_MS
   */
  readonly secrets?: SecretSource;
  /** OAuth client-credentials tokens of tools' outbound auth. @default one cache for the container */
  readonly tokens?: TokenCache;
}

/**
 * The protocol core: one request for one server in, one response out (http-message.ts: a web
 * `Request` will do, and the response reads like a web `Response`).
 */
export interface McpCore {
  /** Serves a request the authorizer vouched for (or one to a public server). */
  handle(request: McpRequest, invocation: McpInvocation, meta?: RequestMeta): Promise<McpResponse>;
  /**
   * Answers a CORS preflight (OPTIONS): browsers send it without credentials, so it needs no
   * authorizer context. Any other method is refused with 405.
   */
  preflight(request: McpRequest, server: ResolvedServer, meta?: RequestMeta): Promise<McpResponse>;
}

/** A request's response and what it adds to the access-log line. */
interface Outcome {
  readonly response: McpResponse;
  /** Why the core refused the request, when it did. */
  readonly reason?: string;
  /** JSON-RPC methods of the request, with the tool name for tools/call; never arguments. */
  readonly rpc?: readonly string[];
}

/**
 * Creates the protocol core. Checks the transport rules of Streamable HTTP (http-checks.ts:
 * origin, method, protocol version, Accept, Content-Type, size; messages.ts: JSON and JSON-RPC
 * shape), then hands the parsed messages to a fresh stateless SDK server over a transport
 * answering in JSON (json-transport.ts). Per-server state (server-state.ts) is built on first
 * use and kept.
 */
export function createMcpCore(options: McpCoreOptions = {}): McpCore {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger('mcp');
  const maxBodyBytes = options.maxRequestBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const stateOf = createServerStates({
    env,
    logger,
    secrets: options.secrets ?? cachedSecrets(awsSecretLoader(env, options.fetch)),
    tokens: options.tokens ?? createTokenCache({ fetch: options.fetch }),
  });

  const serve = async (request: McpRequest, invocation: McpInvocation, meta: RequestMeta): Promise<Outcome> => {
    const { server } = invocation;
    const origin = checkOrigin(request, server);
    if (origin) return refused(origin);
    if (request.method === 'OPTIONS') return { response: preflightResponse(request) };
    const headers = checkHeaders(request);
    if (headers) return refused(headers);
    const body = await readBody(request, maxBodyBytes);
    if (body === TOO_LARGE) return refused(tooLarge(maxBodyBytes));
    const payload = parsePayload(body);
    if (isPayloadError(payload)) {
      return { response: jsonRpcError(400, payload.code, payload.message, {}, payload.id), reason: payload.message };
    }
    const rpc = describeMessages(payload.messages);
    const invalid = payload.messages.map(invalidParamsError);
    const valid = payload.messages.filter((_message, index) => invalid[index] === undefined);
    const errors = invalid.filter((error) => error !== undefined);
    if (valid.length === 0) return { response: jsonResponse(payload.batch ? errors : errors[0]), rpc };
    const response = await dispatch(request, invocation, meta, negotiateVersion(valid));
    return { response: errors.length === 0 ? response : await mergeBatch(response, errors), rpc };
  };

  /**
   * Runs the messages through a fresh stateless SDK server built from the server's kept state,
   * and answers as Streamable HTTP does in JSON response mode: 202 without a body when no
   * message is a request, else the one answer or the array of them.
   */
  const dispatch = async (
    request: McpRequest,
    invocation: McpInvocation,
    meta: RequestMeta,
    messages: readonly JSONRPCMessage[],
  ): Promise<McpResponse> => {
    const { server } = invocation;
    const onerror = (error: Error): void =>
      // The SDK's messages may quote what the client sent: cut, since sampled debug lines reach production logs.
      logger.debug('mcp protocol error', {
        server: server.name,
        requestId: meta.requestId,
        ...describeError(error),
        errorMessage: error.message.slice(0, PROTOCOL_ERROR_MESSAGE_CHARS),
      });
    if (messages.length > 1 && messages.some(isInitializeRequest)) {
      const message = 'Invalid Request: Only one initialization request is allowed';
      onerror(new Error(message));
      return jsonRpcError(400, JsonRpcCode.InvalidRequest, message);
    }
    const state = stateOf(server);
    const authorization = request.headers.get('authorization') ?? undefined;
    const ctx: RequestContext = {
      server: server.name,
      authMode: server.authMode,
      keyId: invocation.keyId,
      requestId: meta.requestId,
      authorizationReceived: authorization !== undefined,
      fetch: createDownstreamFetch({
        authMode: server.authMode,
        authorization,
        passthroughOrigins: state.passthroughOrigins,
        fetch: options.fetch,
      }),
    };
    const mcp = createMcpServer(server, ctx, state.tools);
    mcp.server.onerror = onerror;
    const transport = new JsonResponseTransport();
    await mcp.connect(transport);
    try {
      const answers = await transport.exchange(messages);
      if (answers.length === 0) return new HttpResponse(202);
      return jsonResponse(answers.length === 1 ? answers[0] : answers);
    } finally {
      await mcp.close();
    }
  };

  /** Serves, turns a failure of ours into a 500 without detail, adds CORS and writes the access-log line. */
  const logged = async (
    request: McpRequest,
    server: ResolvedServer,
    keyId: string | null,
    meta: RequestMeta,
    run: () => Promise<Outcome>,
  ): Promise<McpResponse> => {
    const started = Date.now();
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (error) {
      // Failures of ours (configuration, SDK): logged, answered without detail.
      logger.error('mcp request failed', { server: server.name, requestId: meta.requestId, ...describeError(error) });
      outcome = { response: jsonRpcError(500, JsonRpcCode.InternalError, 'Internal error') };
    }
    const response = await withCors(outcome.response, request.headers.get('origin'), server);
    logger.info('mcp request', {
      server: server.name,
      requestId: meta.requestId,
      keyId,
      httpMethod: request.method,
      status: response.status,
      reason: outcome.reason,
      rpc: outcome.rpc,
      durationMs: Date.now() - started,
    });
    return response;
  };

  return {
    handle: (request, invocation, meta = {}) =>
      logged(request, invocation.server, invocation.keyId, meta, () => serve(request, invocation, meta)),
    preflight: (request, server, meta = {}) =>
      logged(request, server, null, meta, async () => {
        if (request.method !== 'OPTIONS') {
          return refused({
            status: 405,
            code: JsonRpcCode.ServerError,
            message: 'Method Not Allowed: only a CORS preflight is served without authorization',
            headers: { Allow: ALLOWED_METHODS },
          });
        }
        const origin = checkOrigin(request, server);
        return origin ? refused(origin) : { response: preflightResponse(request) };
      }),
  };
}

function refused(refusal: Refusal): Outcome {
  return {
    response: jsonRpcError(refusal.status, refusal.code, refusal.message, refusal.headers),
    reason: refusal.message.slice(0, 200),
  };
}

/** What the SDK's HTTP transports count as an initialization request. */
function isInitializeRequest(message: JSONRPCMessage): boolean {
  return 'method' in message && message.method === 'initialize' && InitializeRequestSchema.safeParse(message).success;
}
