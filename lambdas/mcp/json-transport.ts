import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * The SDK transport for one stateless request answered in JSON (Streamable HTTP's JSON
 * response mode): `exchange` hands the request's messages, already parsed and checked, to the
 * connected server and resolves with its answers to the requests among them once all are in,
 * in the order the requests came. It carries nothing else: no stream outlives the request, so
 * a server's notifications and requests to the client are dropped, as the SDK's HTTP transport
 * drops them in JSON mode. An answer for no request of the exchange is refused with an error,
 * which the SDK reports through the server's `onerror`.
 */
export class JsonResponseTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];

  /** The exchange's request ids, first occurrence first, with their answers as they arrive. */
  private readonly answers = new Map<RequestId, JSONRPCMessage | undefined>();
  private settle?: (answers: JSONRPCMessage[]) => void;
  private used = false;
  private closed = false;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.answers.clear();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const answer = 'result' in message || 'error' in message;
    const id = answer ? (message as { id?: RequestId }).id : options?.relatedRequestId;
    if (id === undefined) return;
    if (!this.answers.has(id)) throw new Error(`No connection established for request ID: ${String(id)}`);
    if (!answer) return;
    this.answers.set(id, message);
    const collected = [...this.answers.values()];
    if (collected.some((each) => each === undefined)) return;
    this.answers.clear();
    this.settle?.(collected as JSONRPCMessage[]);
  }

  /**
   * Delivers `messages` to the server. Resolves with the answers to its requests (messages
   * with a method and an id), or at once with none when it holds only notifications and
   * responses. A transport serves one exchange.
   */
  exchange(messages: readonly JSONRPCMessage[]): Promise<JSONRPCMessage[]> {
    if (this.used || this.closed) throw new Error('A JSON response transport serves one exchange');
    this.used = true;
    const deliver = this.onmessage;
    if (!deliver) throw new Error('The transport is not connected to a server');
    for (const message of messages) if ('method' in message && 'id' in message) this.answers.set(message.id, undefined);
    if (this.answers.size === 0) {
      for (const message of messages) deliver(message);
      return Promise.resolve([]);
    }
    return new Promise((resolve) => {
      this.settle = resolve;
      for (const message of messages) deliver(message);
    });
  }
}
