import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { servers } from '../../config/servers';
import { createMcpCore, type McpInvocation } from '../../lambdas/mcp/core';
import { JsonResponseTransport } from '../../lambdas/mcp/json-transport';
import { createLogger } from '../../lambdas/shared/logger';
import { JSON_HEADERS } from '../helpers/events';

const request = (id: number | string, method = 'ping'): JSONRPCMessage => ({ jsonrpc: '2.0', id, method });
const notification: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };

/** A transport whose "server" answers each request after `delayOf(id)` ms, recording what it was given. */
function withEchoServer(delayOf: (id: number | string) => number) {
  const transport = new JsonResponseTransport();
  const delivered: JSONRPCMessage[] = [];
  const failures: unknown[] = [];
  transport.onmessage = (message) => {
    delivered.push(message);
    if (!('method' in message) || !('id' in message)) return;
    setTimeout(() => {
      transport
        .send({ jsonrpc: '2.0', id: message.id, result: { answered: message.id } })
        .catch((error: unknown) => failures.push(error));
    }, delayOf(message.id));
  };
  return { transport, delivered, failures };
}

describe('JsonResponseTransport', () => {
  it('answers in the order the requests came, whatever order the answers arrive in', async () => {
    // Arrange: the first request is answered last
    const { transport } = withEchoServer((id) => (id === 1 ? 30 : 0));

    // Act
    const answers = await transport.exchange([request(1), notification, request('b'), request(3)]);

    // Assess
    expect(answers.map((answer) => (answer as { id: unknown }).id)).toEqual([1, 'b', 3]);
  });

  it('resolves at once with no answers when the messages are only notifications and responses', async () => {
    const { transport, delivered } = withEchoServer(() => 0);
    const response: JSONRPCMessage = { jsonrpc: '2.0', id: 7, result: {} };

    const answers = await transport.exchange([notification, response]);

    expect(answers).toEqual([]);
    expect(delivered).toEqual([notification, response]);
  });

  it("drops the server's notifications and refuses an answer for a request it was not given", async () => {
    // Arrange
    const transport = new JsonResponseTransport();
    const sent: Promise<void>[] = [];
    transport.onmessage = () => {
      sent.push(
        transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: {} }, { relatedRequestId: 1 }),
      );
      sent.push(transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: {} }));
      sent.push(transport.send({ jsonrpc: '2.0', id: 99, result: {} }));
      sent.push(transport.send({ jsonrpc: '2.0', id: 1, result: { ok: true } }));
    };

    // Act
    const answers = await transport.exchange([request(1)]);
    const outcomes = await Promise.allSettled(sent);

    // Assess
    expect(answers).toEqual([{ jsonrpc: '2.0', id: 1, result: { ok: true } }]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toEqual(
      new Error('No connection established for request ID: 99'),
    );
  });

  it('refuses a second answer to a request already answered, and a second exchange', async () => {
    const { transport } = withEchoServer(() => 0);
    await transport.exchange([request(1)]);

    await expect(transport.send({ jsonrpc: '2.0', id: 1, result: {} })).rejects.toThrow(/request ID: 1/);
    expect(() => transport.exchange([request(2)])).toThrow(/one exchange/);
  });

  it('does not wait for a request the exchange cancels before its answer, and drops a late answer to it', async () => {
    // Arrange: answers come later than the cancellation, as from the SDK's asynchronous handlers
    const { transport, failures } = withEchoServer(() => 10);
    const cancel = (requestId: number): JSONRPCMessage => ({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId },
    });

    // Act
    const onlyCancelled = await transport.exchange([request(1), cancel(1)]);
    const other = withEchoServer(() => 10);
    const rest = await other.transport.exchange([request(1), request(2), cancel(1), cancel(99)]);
    await new Promise((resolve) => setTimeout(resolve, 30));

    // Assess
    expect(onlyCancelled).toEqual([]);
    expect(rest).toEqual([{ jsonrpc: '2.0', id: 2, result: { answered: 2 } }]);
    expect([...failures, ...other.failures]).toEqual([]);
  });

  it('keeps an answer that came before the cancellation', async () => {
    const transport = new JsonResponseTransport();
    transport.onmessage = (message) => {
      if ('id' in message && 'method' in message) void transport.send({ jsonrpc: '2.0', id: message.id, result: {} });
    };

    const answers = await transport.exchange([
      request(5),
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } },
    ]);

    expect(answers).toEqual([{ jsonrpc: '2.0', id: 5, result: {} }]);
  });

  it('drops a message the server fails on before handling it, and answers such a request with an internal error', async () => {
    // Arrange: a server that throws on a response and on request 2 as they are handed over
    const failures: Error[] = [];
    const failingServer = () => {
      const transport = new JsonResponseTransport();
      transport.onerror = (error) => failures.push(error);
      transport.onmessage = (message) => {
        if (!('method' in message) || ('id' in message && message.id === 2)) throw new RangeError('too deep');
        if ('id' in message) void transport.send({ jsonrpc: '2.0', id: message.id, result: {} });
      };
      return transport;
    };

    // Act
    const onlyResponse = await failingServer().exchange([{ jsonrpc: '2.0', id: 9, result: {} }]);
    const answers = await failingServer().exchange([request(1), request(2)]);

    // Assess
    expect(onlyResponse).toEqual([]);
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'Internal error' } },
    ]);
    expect(failures.map((error) => error.message)).toEqual(['too deep', 'too deep']);
  });

  it('refuses an exchange before a server is connected', () => {
    expect(() => new JsonResponseTransport().exchange([request(1)])).toThrow(/not connected/);
  });

  it("carries the SDK server's answers, errors included, and closes with it", async () => {
    // Arrange
    const mcp = new McpServer({ name: 't', version: '1' }, { capabilities: {} });
    const transport = new JsonResponseTransport();
    const closed = jest.fn();
    await mcp.connect(transport);
    transport.onclose = closed;

    // Act
    const answers = await transport.exchange([request(1), request(2, 'tools/frobnicate')]);
    await mcp.close();

    // Assess
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found' } },
    ]);
    expect(closed).toHaveBeenCalledTimes(1);
  });
});

describe('the core answers as Streamable HTTP in JSON response mode', () => {
  const core = createMcpCore({ env: {}, logger: createLogger('mcp', { sink: () => undefined }) });
  const invocation: McpInvocation = { server: servers.find((s) => s.name === 'demo-public')!, keyId: null };
  const post = (body: unknown) =>
    core.handle(
      new Request('https://api.example.com/demo-public/mcp', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
      invocation,
    );
  const initialize = {
    jsonrpc: '2.0',
    id: 'init',
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  };

  it('202 without a body or content type when a batch holds no request', async () => {
    const response = await post([notification, { jsonrpc: '2.0', id: 4, result: {} }]);

    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBeNull();
    expect(await response.text()).toBe('');
  });

  it('one answer as an object, even from a batch, with a JSON content type', async () => {
    const response = await post([request('only'), notification]);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 'only', result: {} });
  });

  it('refuses an initialize sent with other messages, as the SDK transport does', async () => {
    const response = await post([initialize, request(2)]);

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32600, message: 'Invalid Request: Only one initialization request is allowed' },
      id: null,
    });
  });

  it('202 when a batch cancels its only request, rather than waiting for an answer the SDK never sends', async () => {
    const response = await post([
      request(1),
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
    ]);

    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('202 for a response nested too deeply for the SDK to quote it, as for any response', async () => {
    const depth = 20_000;
    const response = await post(`{"jsonrpc":"2.0","id":1,"result":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`);

    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('answers an initialize alone', async () => {
    const response = await post([initialize]);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 'init', result: { protocolVersion: '2025-11-25' } });
  });
});
