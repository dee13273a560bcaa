/**
 * JSON-RPC error codes and the error body every refusal uses: the MCP handler's own answers
 * and the gateway responses of the stack and the local stack alike, so an MCP client shows
 * the same kind of message whichever of them refused. Imports nothing: the local stack and
 * the CDK app read it without loading the functions' dependencies.
 */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Transport-level refusal (origin, method, headers, size, authorization), as MCP SDKs use it. */
  ServerError: -32000,
} as const;

export type JsonRpcId = string | number | null;

/** The text of a JSON-RPC error response; `id` is null unless the request's id is known. */
export function jsonRpcErrorBody(code: number, message: string, id: JsonRpcId = null): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id });
}
