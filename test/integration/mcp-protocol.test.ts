import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request as httpRequest } from 'node:http';
import { EmptyResultSchema, ErrorCode, LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { createHandler } from '../../lambdas/mcp/handler';
import { createLogger } from '../../lambdas/shared/logger';
import { connectClient, textOf } from '../helpers/mcp-client';
import { JSON_HEADERS, rpc } from '../helpers/events';
import { startLoopbackGateway, type LoopbackGateway } from '../helpers/mcp-loopback';

const KEY_IDS: Record<string, string> = {
  'demo-apikey': 'key_00000000000000a1',
  'demo-passthrough': 'key_00000000000000b2',
};
const AUTH_MODES: Record<string, string> = { 'demo-apikey': 'apiKey', 'demo-passthrough': 'bearerPassthrough' };

let gateway: LoopbackGateway;
const clients: Client[] = [];

beforeAll(async () => {
  const handler = createHandler({ env: {}, logger: createLogger('mcp', { sink: () => undefined }) });
  // Plays the authorizer: guarded servers get the context the real one attaches (as strings).
  gateway = await startLoopbackGateway(handler, {
    authorizer: (_req, path) => {
      const server = path.split('/')[1];
      return KEY_IDS[server] ? { server, keyId: KEY_IDS[server], authMode: AUTH_MODES[server] } : undefined;
    },
  });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await gateway.close();
});

async function client(server: string, headers: Record<string, string> = {}): Promise<Client> {
  const connected = await connectClient(`${gateway.url}/${server}/mcp`, headers);
  clients.push(connected);
  return connected;
}

describe.each([
  { server: 'demo-public', authMode: 'none', keyId: null, tools: ['echo', 'whoami'] },
  { server: 'demo-apikey', authMode: 'apiKey', keyId: KEY_IDS['demo-apikey'], tools: ['echo', 'whoami'] },
  {
    server: 'demo-passthrough',
    authMode: 'bearerPassthrough',
    keyId: KEY_IDS['demo-passthrough'],
    tools: ['echo', 'whoami', 'call_downstream'],
  },
])('$server through the official SDK client', ({ server, authMode, keyId, tools }) => {
  it('initializes with the latest protocol version and the server name', async () => {
    // Arrange
    const mcp = await client(server);

    // Act
    const info = mcp.getServerVersion();
    const capabilities = mcp.getServerCapabilities();
    const { protocolVersion } = mcp.transport as StreamableHTTPClientTransport;

    // Assert
    expect(protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    expect(info?.name).toBe(server);
    expect(capabilities?.tools).toBeDefined();
    // A stateless server has no stream to send notifications/tools/list_changed on.
    expect(capabilities?.tools?.listChanged).toBeFalsy();
    expect(capabilities?.logging).toBeDefined();
  });

  it('lists the configured tools with their input schemas', async () => {
    const mcp = await client(server);

    const { tools: listed } = await mcp.listTools();

    expect(listed.map((tool) => tool.name)).toEqual(tools);
    expect(listed.find((tool) => tool.name === 'echo')?.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    });
  });

  it('echoes text unchanged', async () => {
    const mcp = await client(server);
    const text = 'héllo, wörld — {"not": "json"} \u{1F600}';

    const result = await mcp.callTool({ name: 'echo', arguments: { text } });

    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(text);
  });

  it.each([
    { headers: {} as Record<string, string>, authorizationReceived: false },
    { headers: { authorization: 'Bearer caller-token' }, authorizationReceived: true },
  ])(
    'whoami reports the caller (authorization header: $authorizationReceived)',
    async ({ headers, authorizationReceived }) => {
      const mcp = await client(server, headers);

      const result = await mcp.callTool({ name: 'whoami', arguments: {} });

      expect(JSON.parse(textOf(result))).toEqual({ server, authMode, keyId, authorizationReceived });
      expect(textOf(result)).not.toContain('caller-token');
    },
  );
});

describe('protocol operations and errors through the SDK client', () => {
  it('answers ping and logging/setLevel', async () => {
    const mcp = await client('demo-public');

    await expect(mcp.ping()).resolves.toEqual({});
    await expect(mcp.setLoggingLevel('warning')).resolves.toEqual({});
  });

  it('answers an unknown method with -32601', async () => {
    const mcp = await client('demo-public');

    const call = mcp.request({ method: 'tools/frobnicate', params: {} }, EmptyResultSchema);

    await expect(call).rejects.toBeInstanceOf(McpError);
    await expect(call).rejects.toMatchObject({ code: ErrorCode.MethodNotFound });
  });

  it.each([
    { name: 'no_such_tool', args: {}, problem: /no_such_tool.*not found/ },
    { name: 'echo', args: { text: 42 }, problem: /Invalid arguments for tool echo[\s\S]*text/ },
    { name: 'echo', args: {}, problem: /Invalid arguments for tool echo[\s\S]*text/ },
  ])('returns a tool error naming the problem for $name $args', async ({ name, args, problem }) => {
    const mcp = await client('demo-public');

    const result = await mcp.callTool({ name, arguments: args });

    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(problem);
  });
});

describe('version negotiation over plain HTTP', () => {
  const initialize = (protocolVersion: string): Promise<Response> =>
    fetch(`${gateway.url}/demo-public/mcp`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: rpc('initialize', { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '0' } }),
    });

  it.each([
    { requested: '2025-11-25', agreed: '2025-11-25' },
    { requested: '2025-06-18', agreed: '2025-06-18' },
    { requested: '2025-03-26', agreed: '2025-03-26' },
    { requested: '2024-11-05', agreed: '2025-11-25' },
    { requested: '1999-01-01', agreed: '2025-11-25' },
  ])('answers a request for $requested with $agreed', async ({ requested, agreed }) => {
    const response = await initialize(requested);

    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(agreed);
  });

  it('answers GET with 405 at once instead of holding a stream open', async () => {
    const response = await fetch(`${gateway.url}/demo-public/mcp`, { headers: { accept: 'text/event-stream' } });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('POST');
  });
});

describe('DNS-rebinding protection (as the MCP conformance suite checks it)', () => {
  /** POSTs initialize with the given Host and Origin (fetch cannot set Host). */
  const initializeWith = (host: string, origin: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const url = new URL(`${gateway.url}/demo-public/mcp`);
      const body = rpc('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'dns-rebinding-test', version: '1.0.0' },
      });
      const req = httpRequest(
        url,
        { method: 'POST', headers: { ...JSON_HEADERS, host, origin, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const port = (): string => new URL(gateway.url).port;

  it.each([
    { host: () => `127.0.0.1:${port()}`, origin: () => `http://127.0.0.1:${port()}` },
    { host: () => `localhost:${port()}`, origin: () => `http://localhost:${port()}` },
    { host: () => `[::1]:${port()}`, origin: () => `http://[::1]:${port()}` },
    { host: () => `127.0.0.1:${port()}`, origin: () => 'http://localhost:5173' },
  ])("accepts the local server's own loopback Host and Origin", async ({ host, origin }) => {
    const response = await initializeWith(host(), origin());

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ result: { serverInfo: { name: 'demo-public' } } });
  });

  it.each([
    { host: () => 'evil.example.com', origin: () => 'http://evil.example.com' },
    { host: () => `evil.example.com:${port()}`, origin: () => `http://evil.example.com:${port()}` },
    { host: () => `127.0.0.1:${port()}`, origin: () => 'http://evil.example.com' },
    { host: () => 'evil.example.com', origin: () => `http://127.0.0.1:${port()}` },
  ])('refuses a foreign Host or Origin with 403', async ({ host, origin }) => {
    const response = await initializeWith(host(), origin());

    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { code: -32000, message: 'Forbidden: Origin not allowed' },
    });
  });
});
