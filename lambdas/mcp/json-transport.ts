import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcCode } from '../shared/json-rpc';

/**
 * The SDK transport for one stateless request answered in JSON (Streamable HTTP's JSON
 * response mode): `exchange` hands the request's messages, already parsed and checked, to the
 * connected server and resolves with its answers to the requests among them once all are in,
 * in the order the requests came. It carries nothing else: no stream outlives the request, so
 * a server's notifications and requests to the client are dropped, as the SDK's HTTP transport
 * drops them in JSON mode. An answer for no request of the exchange is refused with an error,
 * which the SDK reports through the server's `onerror`. A request the same exchange cancels
 * (`notifications/cancelled`) before its answer is in is not waited for: the server sends no
 * answer to a cancelled request, so waiting would hold the function until its timeout.
 */
export class JsonResponseTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];

  /** The exchange's request ids, first occurrence first, with their answers as they arrive. */
  private readonly answers = new Map<RequestId, JSONRPCMessage | undefined>();
  /** Requests the exchange cancelled before their answer: a late answer is dropped. */
  private readonly cancelled = new Set<RequestId>();
  private settle?: (answers: JSONRPCMessage[]) => void;
  /** While the messages are being handed over, answers are kept but the exchange does not settle. */
  private delivering = false;
  private used = false;
  private closed = false;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.answers.clear();
    this.cancelled.clear();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const answer = 'result' in message || 'error' in message;
    const id = answer ? (message as { id?: RequestId }).id : options?.relatedRequestId;
    if (id === undefined || this.cancelled.has(id)) return;
    if (!this.answers.has(id)) throw new Error(`No connection established for request ID: ${String(id)}`);
    if (!answer) return;
    this.answers.set(id, message);
    if (!this.delivering) this.settleWhenAnswered();
  }

  /**
   * Gives one message to the server. The server can fail on a message before any handler of
   * its runs (the SDK quotes a response to no request of its own in an error, and a deeply
   * nested one exceeds the stack): the failure goes to `onerror`, the message is dropped, and a
   * request among them is answered with an internal error, so the exchange still ends.
   */
  private handOver(deliver: NonNullable<Transport['onmessage']>, message: JSONRPCMessage): void {
    try {
      deliver(message);
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      if ('method' in message && 'id' in message && this.answers.get(message.id) === undefined) {
        this.answers.set(message.id, {
          jsonrpc: '2.0',
          id: message.id,
          error: { code: JsonRpcCode.InternalError, message: 'Internal error' },
        });
      }
    }
  }

  private settleWhenAnswered(): void {
    const collected = [...this.answers.values()];
    if (collected.some((each) => each === undefined)) return;
    this.answers.clear();
    this.settle?.(collected as JSONRPCMessage[]);
    this.settle = undefined;
  }

  /**
   * Delivers `messages` to the server. Resolves with the answers to its requests (messages
   * with a method and an id) that it does not also cancel, or at once with none when it holds
   * only notifications and responses. A transport serves one exchange.
   */
  exchange(messages: readonly JSONRPCMessage[]): Promise<JSONRPCMessage[]> {
    if (this.used || this.closed) throw new Error('A JSON response transport serves one exchange');
    this.used = true;
    const deliver = this.onmessage;
    if (!deliver) throw new Error('The transport is not connected to a server');
    for (const message of messages) if ('method' in message && 'id' in message) this.answers.set(message.id, undefined);
    return new Promise((resolve) => {
      this.settle = resolve;
      this.delivering = true;
      try {
        for (const message of messages) {
          this.handOver(deliver, message);
          const target = cancelledRequestOf(message);
          if (target !== undefined && this.answers.has(target) && this.answers.get(target) === undefined) {
            this.answers.delete(target);
            this.cancelled.add(target);
          }
        }
      } finally {
        this.delivering = false;
      }
      this.settleWhenAnswered();
    });
  }
}

/** The request a `notifications/cancelled` message names, if `message` is one. */
function cancelledRequestOf(message: JSONRPCMessage): RequestId | undefined {
  if (!('method' in message) || message.method !== 'notifications/cancelled' || 'id' in message) return undefined;
  const target = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof target === 'string' || typeof target === 'number' ? target : undefined;
}
