import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { servers as demoServers } from '../../config/servers';
import type { AuthMode, HttpToolConfig, ServerConfig } from '../../config/types';
import { resolveServers } from '../../config/validate';
import { createHandler } from '../../lambdas/mcp/handler';
import { createLogger } from '../../lambdas/shared/logger';
import { connectClient, textOf } from '../helpers/mcp-client';
import { startDownstream, type Downstream } from '../helpers/mcp-downstream';
import { startLoopbackGateway, type LoopbackGateway } from '../helpers/mcp-loopback';

// Odd on purpose: inner double spaces, quotes and symbols must all arrive unchanged.
const TOKEN = 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln-_~+/=  "quoted" %41';
const CALLER_HEADERS = { authorization: TOKEN, 'x-api-key': 'mcpg_Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4' };

let downstream: Downstream;
let gateway: LoopbackGateway;
let unconfiguredGateway: LoopbackGateway;
const logLines: string[] = [];
const clients: Client[] = [];

function httpTools(baseUrl: string, otherOrigin: string): HttpToolConfig[] {
  return [
    {
      kind: 'http',
      name: 'get_item',
      description: 'GET /items/{id}',
      baseUrl,
      path: '/items/{id}?q={q}&fixed=1',
      parameters: { id: { type: 'string' }, q: { type: 'string', required: false } },
    },
    { kind: 'http', name: 'get_other_origin', description: 'GET elsewhere', baseUrl: otherOrigin, path: '/elsewhere' },
    {
      kind: 'http',
      name: 'follow_redirect',
      description: 'GET a redirect',
      baseUrl,
      path: '/redirect?to={to}&status={status}',
      parameters: { to: { type: 'string' }, status: { type: 'number' } },
    },
    {
      kind: 'http',
      name: 'create',
      description: 'POST a JSON body',
      method: 'POST',
      baseUrl,
      path: '/things',
      headers: { 'x-request-label': 'label-{name}' },
      body: { name: '{name}', count: '{count}', tags: '{tags}', meta: { label: 'n={name}', flag: '{flag}' } },
      parameters: {
        name: { type: 'string' },
        count: { type: 'number' },
        tags: { type: 'array' },
        flag: { type: 'boolean', required: false },
      },
    },
    {
      kind: 'http',
      name: 'status',
      description: 'GET /status/{code}',
      baseUrl,
      path: '/status/{code}',
      parameters: { code: { type: 'number' } },
    },
    { kind: 'http', name: 'slow', description: 'GET /slow', baseUrl, path: '/slow?ms=5000', timeoutMs: 200 },
    { kind: 'http', name: 'big', description: 'GET /big', baseUrl, path: '/big?bytes=2048', maxResponseBytes: 1024 },
  ];
}

function testServer(name: string, authMode: AuthMode): ServerConfig {
  return {
    name,
    authMode,
    passthroughOrigins: [{ env: 'DOWNSTREAM_URL' }],
    tools: httpTools(downstream.url, downstream.otherOriginUrl),
  };
}

beforeAll(async () => {
  downstream = await startDownstream();
  const servers = [
    ...demoServers,
    ...resolveServers([
      testServer('t-passthrough', 'bearerPassthrough'),
      testServer('t-apikey', 'apiKey'),
      testServer('t-public', 'none'),
    ]),
  ];
  const modes = new Map(servers.map((server) => [server.name, server.authMode]));
  const authorizer = (_req: unknown, path: string): Record<string, string> | undefined => {
    const server = path.split('/')[1];
    const authMode = modes.get(server);
    return authMode && authMode !== 'none' ? { server, keyId: 'key_0000000000000042', authMode } : undefined;
  };
  const logger = createLogger('mcp', { level: 'debug', sink: (line) => logLines.push(line) });
  gateway = await startLoopbackGateway(createHandler({ servers, env: { DOWNSTREAM_URL: downstream.url }, logger }), {
    authorizer,
  });
  unconfiguredGateway = await startLoopbackGateway(createHandler({ env: {}, logger }), { authorizer });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all([gateway.close(), unconfiguredGateway.close(), downstream.close()]);
});

beforeEach(() => {
  downstream.received.length = 0;
});

async function call(server: string, tool: string, args: Record<string, unknown> = {}, via = gateway) {
  const client = await connectClient(`${via.url}/${server}/mcp`, CALLER_HEADERS);
  clients.push(client);
  return client.callTool({ name: tool, arguments: args });
}

describe('demo-passthrough call_downstream', () => {
  it("returns the downstream body, which saw the caller's Authorization byte for byte", async () => {
    const result = await call('demo-passthrough', 'call_downstream');

    expect(result.isError).toBeFalsy();
    expect(JSON.parse(textOf(result))).toEqual({
      method: 'GET',
      path: '/',
      query: {},
      authorization: TOKEN,
      body: null,
    });
    expect(downstream.received).toHaveLength(1);
    expect(downstream.received[0].headers['x-api-key']).toBeUndefined();
  });

  it('answers with a tool error naming DOWNSTREAM_URL when it is unset, while echo keeps working', async () => {
    const broken = await call('demo-passthrough', 'call_downstream', {}, unconfiguredGateway);
    const echo = await call('demo-passthrough', 'echo', { text: 'still here' }, unconfiguredGateway);

    expect(broken.isError).toBe(true);
    expect(textOf(broken)).toContain('DOWNSTREAM_URL');
    expect(textOf(echo)).toBe('still here');
    expect(downstream.received).toHaveLength(0);
  });
});

describe('Authorization forwarding rules', () => {
  it.each([
    { server: 't-passthrough', tool: 'get_item', forwarded: true },
    { server: 't-passthrough', tool: 'get_other_origin', forwarded: false },
    { server: 't-apikey', tool: 'get_item', forwarded: false },
    { server: 't-apikey', tool: 'get_other_origin', forwarded: false },
    { server: 't-public', tool: 'get_item', forwarded: false },
  ])('$server/$tool forwards Authorization: $forwarded', async ({ server, tool, forwarded }) => {
    const result = await call(server, tool, tool === 'get_item' ? { id: '1' } : {});

    expect(result.isError).toBeFalsy();
    expect(downstream.received.map((request) => request.headers.authorization)).toEqual([
      forwarded ? TOKEN : undefined,
    ]);
  });

  it.each([301, 302, 303, 307, 308])(
    'drops it after a cross-origin %i redirect, and keeps it on a same-origin one',
    async (status) => {
      const cross = await call('t-passthrough', 'follow_redirect', {
        to: `${downstream.otherOriginUrl}/after`,
        status,
      });
      const crossHops = downstream.received.splice(0);
      const same = await call('t-passthrough', 'follow_redirect', { to: `${downstream.url}/after`, status });
      const sameHops = downstream.received.splice(0);

      expect(JSON.parse(textOf(cross))).toMatchObject({ path: '/after', authorization: null });
      expect(crossHops.map((hop) => hop.headers.authorization)).toEqual([TOKEN, undefined]);
      expect(JSON.parse(textOf(same))).toMatchObject({ path: '/after', authorization: TOKEN });
      expect(sameHops.map((hop) => hop.headers.authorization)).toEqual([TOKEN, TOKEN]);
    },
  );

  it('never writes the Authorization value to the logs', async () => {
    await call('t-passthrough', 'get_item', { id: 'logged?' });
    await call('t-passthrough', 'status', { code: 500 });

    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain('eyJhbGciOiJIUzI1NiJ9');
  });
});

describe('declarative HTTP tools against a loopback downstream', () => {
  it.each([
    { args: { id: 'a/b c?', q: 'x&y=z' }, path: '/items/a%2Fb%20c%3F', query: { q: 'x&y=z', fixed: '1' } },
    { args: { id: '42' }, path: '/items/42', query: { fixed: '1' } },
  ])('URL-encodes placeholders into path and query ($args.id)', async ({ args, path, query }) => {
    const result = await call('t-public', 'get_item', args);

    expect(downstream.received[0].url.split('?')[0]).toBe(path);
    expect(JSON.parse(textOf(result))).toMatchObject({ query });
  });

  it.each([
    { id: '...', path: '/items/...' },
    { id: '%2e%2e', path: '/items/%252e%252e' },
    { id: '%2E%2e', path: '/items/%252E%252e' },
    { id: '.%2e', path: '/items/.%252e' },
    { id: '..\\x', path: '/items/..%5Cx' },
  ])('sends {id}=$id to exactly $path', async ({ id, path }) => {
    const result = await call('t-public', 'get_item', { id });

    expect(result.isError).toBeFalsy();
    expect(downstream.received.map((request) => request.url.split('?')[0])).toEqual([path]);
    expect(JSON.parse(textOf(result))).toMatchObject({ path });
  });

  it.each(['..', '.'])('refuses {id}=%s with a tool error and calls nothing', async (id) => {
    const result = await call('t-public', 'get_item', { id });

    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^get_item: \{id\} would make the path segment "\.{1,2}"/);
    expect(downstream.received).toHaveLength(0);
  });

  it('sends a typed JSON body and templated headers', async () => {
    const result = await call('t-public', 'create', { name: 'widget', count: 3, tags: ['a', 1] });

    expect(result.isError).toBeFalsy();
    const [request] = downstream.received;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-request-label']).toBe('label-widget');
    expect(JSON.parse(request.body)).toEqual({ name: 'widget', count: 3, tags: ['a', 1], meta: { label: 'n=widget' } });
  });

  it('cuts a response larger than maxResponseBytes and says so in the result', async () => {
    const result = await call('t-public', 'big', {});

    expect(result.isError).toBeFalsy();
    const [body, note] = textOf(result).split('\n\n');
    expect(Buffer.byteLength(body)).toBe(1024);
    expect(note).toBe('[truncated: the response is larger than 1024 bytes; only its start is shown]');
  });

  it.each([
    { tool: 'status', args: { code: 404 }, message: /downstream responded 404 Not Found: downstream says 404/ },
    { tool: 'status', args: { code: 503 }, message: /downstream responded 503/ },
    { tool: 'slow', args: {}, message: /did not answer within 200 ms/ },
    { tool: 'get_item', args: { id: 7 }, message: /Invalid arguments for tool get_item[\s\S]*id/ },
    { tool: 'get_item', args: { id: '1', extra: true }, message: /Invalid arguments for tool get_item[\s\S]*extra/ },
  ])('turns $tool $args into a tool error', async ({ tool, args, message }) => {
    const result = await call('t-public', tool, args);

    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
  });
});
