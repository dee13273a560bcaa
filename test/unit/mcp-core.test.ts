import { servers } from '../../config/servers';
import type { ResolvedServer } from '../../config/types';
import { resolveServers } from '../../config/validate';
import { createMcpCore, type McpInvocation } from '../../lambdas/mcp/core';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/mcp/http-checks';
import { createLogger } from '../../lambdas/shared/logger';
import { JSON_HEADERS, rpc } from '../helpers/events';

const URL = 'https://api.example.com/demo-public/mcp';
const silent = createLogger('mcp', { sink: () => undefined });
const core = createMcpCore({ env: {}, logger: silent });
const [browserServer] = resolveServers([
  { name: 'browser', authMode: 'none', tools: ['echo'], allowedOrigins: ['https://app.example.com'] },
]);
const publicServer: McpInvocation = { server: servers.find((s) => s.name === 'demo-public')!, keyId: null };
const browser: McpInvocation = { server: browserServer, keyId: null };

function post(body: string | Uint8Array | null, headers: Record<string, string> = {}): Request {
  return new Request(URL, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body });
}

const notJsonUtf8 = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
const tooManyMessages = JSON.stringify(
  Array.from({ length: 101 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'ping' })),
);

describe('malformed input: each request gets its status and JSON-RPC code, never a 500', () => {
  it.each([
    { name: 'non-JSON body', request: post('{"jsonrpc": "2.0", '), status: 400, code: -32700 },
    { name: 'empty body', request: post(''), status: 400, code: -32700 },
    { name: 'body that is not UTF-8', request: post(notJsonUtf8), status: 400, code: -32700 },
    { name: 'JSON that is not JSON-RPC', request: post('{"hello": "world"}'), status: 400, code: -32600 },
    { name: 'a JSON number', request: post('42'), status: 400, code: -32600 },
    { name: 'an empty batch', request: post('[]'), status: 400, code: -32600 },
    { name: 'a batch over 100 messages', request: post(tooManyMessages), status: 400, code: -32600 },
    {
      name: 'wrong jsonrpc version',
      request: post('{"jsonrpc":"1.0","id":1,"method":"ping"}'),
      status: 400,
      code: -32600,
      id: 1,
    },
    { name: 'null id', request: post('{"jsonrpc":"2.0","id":null,"method":"ping"}'), status: 400, code: -32600 },
    {
      name: 'method not a string',
      request: post('{"jsonrpc":"2.0","id":"a","method":7}'),
      status: 400,
      code: -32600,
      id: 'a',
    },
    { name: 'unknown method', request: post(rpc('tools/frobnicate')), status: 200, code: -32601, id: 1 },
    {
      name: 'tools/call without a name',
      request: post(rpc('tools/call', { arguments: {} })),
      status: 200,
      code: -32602,
      id: 1,
    },
    { name: 'params not an object', request: post(rpc('tools/list', 'all')), status: 400, code: -32600, id: 1 },
    {
      name: 'initialize without clientInfo',
      request: post(rpc('initialize', { protocolVersion: '2025-11-25', capabilities: {} })),
      status: 200,
      code: -32602,
      id: 1,
    },
    {
      name: 'logging/setLevel to an unknown level',
      request: post(rpc('logging/setLevel', { level: 'loud' })),
      status: 200,
      code: -32602,
      id: 1,
    },
    {
      name: 'body over 1 MiB',
      request: post(rpc('ping', { pad: 'x'.repeat(MAX_REQUEST_BODY_BYTES) })),
      status: 413,
      code: -32000,
    },
    {
      name: 'declared length over 1 MiB',
      request: post(rpc('ping'), { 'content-length': String(MAX_REQUEST_BODY_BYTES + 1) }),
      status: 413,
      code: -32000,
    },
    { name: 'GET', request: new Request(URL, { headers: { accept: 'text/event-stream' } }), status: 405, code: -32000 },
    { name: 'DELETE', request: new Request(URL, { method: 'DELETE' }), status: 405, code: -32000 },
    { name: 'PUT', request: new Request(URL, { method: 'PUT', body: rpc('ping') }), status: 405, code: -32000 },
    {
      name: 'unsupported MCP-Protocol-Version',
      request: post(rpc('ping'), { 'mcp-protocol-version': '2024-11-05' }),
      status: 400,
      code: -32000,
    },
    {
      name: 'garbage MCP-Protocol-Version',
      request: post(rpc('ping'), { 'mcp-protocol-version': 'latest' }),
      status: 400,
      code: -32000,
    },
    { name: 'no Accept', request: post(rpc('ping'), { accept: '' }), status: 406, code: -32000 },
    {
      name: 'Accept without text/event-stream',
      request: post(rpc('ping'), { accept: 'application/json' }),
      status: 406,
      code: -32000,
    },
    { name: 'Accept */* only', request: post(rpc('ping'), { accept: '*/*' }), status: 406, code: -32000 },
    {
      name: 'Content-Type text/plain',
      request: post(rpc('ping'), { 'content-type': 'text/plain' }),
      status: 415,
      code: -32000,
    },
    {
      name: 'Origin not allowed',
      request: post(rpc('ping'), { origin: 'https://evil.example' }),
      status: 403,
      code: -32000,
    },
  ])('$name → $status / $code', async ({ request, status, code, id }) => {
    // Act
    const response = await core.handle(request, publicServer);
    const text = await response.text();

    // Assert
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      error: { code },
      id: id ?? (status === 200 ? expect.anything() : null),
    });
    expect(typeof body.error.message).toBe('string');
    expect(text).not.toMatch(/\n\s+at |node_modules/);
  });
});

describe('well-formed requests', () => {
  it.each([
    { name: 'ping with no version header', headers: {} as Record<string, string> },
    { name: 'ping at 2025-03-26', headers: { 'mcp-protocol-version': '2025-03-26' } },
    { name: 'ping at 2025-06-18', headers: { 'mcp-protocol-version': '2025-06-18' } },
    { name: 'ping at 2025-11-25', headers: { 'mcp-protocol-version': '2025-11-25' } },
    {
      name: 'Accept with parameters and q-values',
      headers: { accept: 'text/event-stream;q=0.9, application/json; charset=utf-8' },
    },
    { name: 'Content-Type with a charset', headers: { 'content-type': 'Application/JSON; charset=utf-8' } },
    {
      name: 'upper-case Accept (media types are case-insensitive)',
      headers: { accept: 'APPLICATION/JSON, TEXT/EVENT-STREAM' },
    },
    { name: 'upper-case Content-Type', headers: { 'content-type': 'APPLICATION/JSON' } },
  ])('$name → 200', async ({ headers }) => {
    const response = await core.handle(post(rpc('ping', undefined, 'p1'), headers), publicServer);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 'p1', result: {} });
  });

  it.each([
    { name: 'initialized notification', body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) },
    { name: 'unknown notification', body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/whatever' }) },
    { name: 'a response from the client', body: JSON.stringify({ jsonrpc: '2.0', id: 9, result: {} }) },
  ])('$name → 202 with an empty body', async ({ body }) => {
    const response = await core.handle(post(body), publicServer);

    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('answers a batch (2025-03-26 clients) with an array of responses', async () => {
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'b' } } },
    ]);

    const response = await core.handle(post(batch), publicServer);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'b' }] } },
    ]);
  });
});

describe('params that do not fit a known method', () => {
  it('get -32602 naming the field, also inside a batch answered together with the valid rest', async () => {
    // Arrange
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { arguments: {} } },
      { jsonrpc: '2.0', id: 2, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
    ]);

    // Act
    const single = await core.handle(post(rpc('tools/call', { arguments: {} }, 'x')), publicServer);
    const mixed = await core.handle(post(batch), publicServer);

    // Assert
    expect(await single.json()).toEqual({
      jsonrpc: '2.0',
      id: 'x',
      error: { code: -32602, message: expect.stringMatching(/^Invalid params for tools\/call: params\.name: /) },
    });
    expect(mixed.status).toBe(200);
    expect(await mixed.json()).toEqual([
      { jsonrpc: '2.0', id: 2, result: {} },
      { jsonrpc: '2.0', id: 1, error: { code: -32602, message: expect.stringContaining('params.name') } },
    ]);
  });
});

describe('browser origins', () => {
  it.each([
    { origin: undefined, status: 200, allowOrigin: null },
    { origin: 'https://app.example.com', status: 200, allowOrigin: 'https://app.example.com' },
    { origin: 'https://app.example.com.evil.example', status: 403, allowOrigin: null },
    { origin: 'http://app.example.com', status: 403, allowOrigin: null },
    { origin: 'null', status: 403, allowOrigin: null },
  ])('Origin $origin → $status', async ({ origin, status, allowOrigin }) => {
    const response = await core.handle(post(rpc('ping'), origin ? { origin } : {}), browser);

    expect(response.status).toBe(status);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowOrigin);
  });

  it.each([
    { name: 'the API domain', url: URL, headers: { origin: 'https://api.example.com' }, status: 200 },
    {
      name: 'the Host header (custom domain)',
      url: URL,
      headers: { origin: 'https://mcp.example.org', host: 'mcp.example.org' },
      status: 200,
    },
    { name: 'the API domain over http', url: URL, headers: { origin: 'http://api.example.com' }, status: 403 },
    { name: 'the API domain with a port', url: URL, headers: { origin: 'https://api.example.com:8443' }, status: 403 },
    { name: 'a loopback origin', url: URL, headers: { origin: 'http://127.0.0.1:3000' }, status: 403 },
    {
      name: 'a loopback origin with a forged loopback Host',
      url: URL,
      headers: { origin: 'http://localhost:3000', host: 'localhost:3000' },
      status: 403,
    },
    {
      name: 'the local server itself',
      url: 'https://127.0.0.1:3000/demo-public/mcp',
      headers: { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' },
      status: 200,
    },
    {
      name: 'another loopback port (localhost)',
      url: 'https://127.0.0.1:3000/demo-public/mcp',
      headers: { origin: 'http://localhost:5173', host: '127.0.0.1:3000' },
      status: 200,
    },
    {
      name: 'IPv6 loopback',
      url: 'https://[::1]:3000/demo-public/mcp',
      headers: { origin: 'http://[::1]:8080', host: '[::1]:3000' },
      status: 200,
    },
    {
      name: 'a foreign origin on a local server',
      url: 'https://127.0.0.1:3000/demo-public/mcp',
      headers: { origin: 'http://evil.example.com', host: '127.0.0.1:3000' },
      status: 403,
    },
    {
      name: 'a rebinding name as Host and Origin',
      url: 'https://evil.example.com:3000/demo-public/mcp',
      headers: { origin: 'http://evil.example.com:3000', host: 'evil.example.com:3000' },
      status: 403,
    },
    {
      name: 'a loopback origin on a rebinding Host',
      url: 'https://evil.example.com:3000/demo-public/mcp',
      headers: { origin: 'http://127.0.0.1:3000', host: 'evil.example.com:3000' },
      status: 403,
    },
    { name: 'a path after the origin', url: URL, headers: { origin: 'https://api.example.com/x' }, status: 403 },
  ])("the server's own origin: $name → $status", async ({ url, headers, status }) => {
    const sent = new Headers(JSON_HEADERS);
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) sent.set(name, value);
    const request = new Request(url, { method: 'POST', headers: sent, body: rpc('ping') });

    const response = await core.handle(request, publicServer);

    expect(response.status).toBe(status);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a CORS preflight from an allowed origin without touching the protocol', async () => {
    const preflight = new Request(URL, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });

    const response = await core.handle(preflight, browser);

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Mcp-Protocol-Version/);
  });
});

describe('failures of ours', () => {
  it('answers 500 without detail and logs the cause when a server names an unknown tool', async () => {
    // Arrange
    const lines: string[] = [];
    const failing = createMcpCore({ env: {}, logger: createLogger('mcp', { sink: (line) => lines.push(line) }) });
    // Built by hand: resolveServers refuses this configuration at load.
    const broken: ResolvedServer = {
      name: 'broken',
      authMode: 'none',
      tools: ['no_such_function_tool'],
      routes: ['/broken/mcp'],
      allowedOrigins: [],
      passthroughOrigins: [],
    };

    // Act
    const response = await failing.handle(post(rpc('tools/list')), { server: broken, keyId: null });

    // Assert
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32603, message: 'Internal error' },
      id: null,
    });
    expect(lines.join('\n')).toContain('no_such_function_tool');
  });
});
