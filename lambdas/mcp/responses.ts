import { jsonRpcErrorBody, type JsonRpcId } from '../shared/json-rpc';

/** A JSON-RPC error response (`id` null unless the request's id is known). */
export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: JsonRpcId = null,
): Response {
  return new Response(jsonRpcErrorBody(code, message, id), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
