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
import { JsonRpcCode, type JsonRpcId } from '../shared/json-rpc';
import { SUPPORTED_PROTOCOL_VERSIONS } from './http-checks';
import type { McpResponse } from './http-message';
import { jsonResponse } from './responses';

const MAX_BATCH = 100;

/** A request body's JSON-RPC messages. */
export interface Payload {
  readonly batch: boolean;
  /** The messages as the SDK's `JSONRPCMessageSchema` parses them (what its transports hand its server). */
  readonly messages: readonly JSONRPCMessage[];
}

/** Why a body is not JSON-RPC: the error code, message and the request's id when known. */
export interface PayloadError {
  readonly code: number;
  readonly message: string;
  readonly id: JsonRpcId;
}

/** The JSON-RPC messages in a body, or why it holds none (not JSON, not JSON-RPC, empty or oversized batch). */
export function parsePayload(body: string | undefined): Payload | PayloadError {
  const parsed = parseJson(body ?? '');
  if (parsed === NOT_JSON) {
    return { code: JsonRpcCode.ParseError, message: 'Parse error: body is not valid JSON', id: null };
  }
  const invalid = (message: string): PayloadError => ({ code: JsonRpcCode.InvalidRequest, message, id: idOf(parsed) });
  const batch = Array.isArray(parsed);
  const items: unknown[] = batch ? parsed : [parsed];
  if (items.length === 0) return invalid('Invalid Request: empty batch');
  if (items.length > MAX_BATCH) return invalid(`Invalid Request: a batch must not exceed ${MAX_BATCH} messages`);
  const messages: JSONRPCMessage[] = [];
  for (const item of items) {
    const result = JSONRPCMessageSchema.safeParse(item);
    if (!result.success) return invalid('Invalid Request: not a JSON-RPC 2.0 request, notification or response');
    messages.push(result.data);
  }
  return { batch, messages };
}

export function isPayloadError(value: Payload | PayloadError): value is PayloadError {
  return 'code' in value;
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

export interface JsonRpcErrorMessage {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly error: { readonly code: number; readonly message: string };
}

/**
 * A -32602 error for a request whose params do not fit its (known) method; undefined
 * otherwise. The SDK would report those as -32603 Internal error.
 */
export function invalidParamsError(message: JSONRPCMessage): JsonRpcErrorMessage | undefined {
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

/** Adds our errors to the SDK's answer to the rest of a batch (an object, an array, or 202 when only notifications were left). */
export async function mergeBatch(response: McpResponse, errors: readonly JsonRpcErrorMessage[]): Promise<McpResponse> {
  if (response.status !== 200 && response.status !== 202) return response;
  const text = await response.text();
  const answered: unknown = text === '' ? [] : JSON.parse(text);
  return jsonResponse([...(Array.isArray(answered) ? answered : [answered]), ...errors]);
}

/** The JSON-RPC methods of the messages, with the tool name for tools/call: for the access log, never arguments. */
export function describeMessages(messages: readonly JSONRPCMessage[]): string[] {
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
export function negotiateVersion(messages: readonly JSONRPCMessage[]): JSONRPCMessage[] {
  return messages.map((message) => {
    if (
      !('method' in message) ||
      message.method !== 'initialize' ||
      SUPPORTED_PROTOCOL_VERSIONS.includes(String(message.params?.protocolVersion))
    ) {
      return message;
    }
    return { ...message, params: { ...message.params, protocolVersion: LATEST_PROTOCOL_VERSION } };
  });
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function idOf(parsed: unknown): JsonRpcId {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const id = (parsed as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
