import { jsonRpcErrorBody, type JsonRpcId } from '../shared/json-rpc';
import { HttpResponse } from './http-message';

/** A JSON-RPC error response (`id` null unless the request's id is known). */
export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: JsonRpcId = null,
): HttpResponse {
  return new HttpResponse(status, jsonRpcErrorBody(code, message, id), {
    'content-type': 'application/json',
    ...headers,
  });
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200): HttpResponse {
  return new HttpResponse(status, JSON.stringify(body), { 'content-type': 'application/json' });
}
