import { request } from 'node:http';
import { connect } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { resolveServers } from '../../config/validate';
import { createAuthorizerHandler } from '../../lambdas/authorizer/handler';
import { createDocumentClient } from '../../lambdas/keys/dynamo-client';
import { DynamoKeyStore } from '../../lambdas/keys/dynamo-key-store';
import { createLogger } from '../../lambdas/shared/logger';
import { API_TYPES, type ApiType } from '../../lib/api-type';
import { banner } from '../../local/cli';
import { HTTP_API_ANSWERS } from '../../local/http-api-gateway';
import type { LocalStack } from '../../local/stack';
import { startTestStack, withLocalGateway } from '../helpers/local-stack';

const ORIGIN = 'https://app.example.com';
const TOKEN = 'Bearer route-test-token';

/** Servers on custom routes, as an existing API would serve them. */
const servers = resolveServers([
  {
    name: 'tenant-public',
    authMode: 'none',
    tools: ['echo', 'whoami'],
    routes: ['/tenants/{tenant}/mcp'],
    allowedOrigins: [ORIGIN],
  },
  {
    name: 'tenant-keyed',
    authMode: 'apiKey',
    tools: ['whoami'],
    routes: ['/keyed/{tenant}/mcp'],
    allowedOrigins: [ORIGIN],
  },
  { name: 'passthrough', authMode: 'bearerPassthrough', tools: ['whoami'] },
]);

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** An HTTP request that can repeat a header (fetch would join the values into one). */
function send(
  url: string,
  method: string,
  headers: Record<string, string | string[]> = {},
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request written by hand, for header names that differ only in case (node:http would merge them). */
function sendRaw(
  url: string,
  method: string,
  headers: readonly (readonly [string, string])[],
  body = '',
): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString('latin1')));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)));
    socket.on('error', reject);
    const lines = [
      `${method} ${pathname} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Connection: close',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...headers.map(([name, value]) => `${name}: ${value}`),
    ];
    // Not end(): a half-closed client makes node:http drop the request. `Connection: close` ends it.
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

/** A request no route takes: a REST API's 403 Missing Authentication Token, an HTTP API's own 404. */
const NO_ROUTE = {
  rest: { status: 403, body: { message: 'Missing Authentication Token' } },
  http: { status: HTTP_API_ANSWERS.NOT_FOUND.statusCode, body: JSON.parse(HTTP_API_ANSWERS.NOT_FOUND.body) },
} as const;

/** The local stack on these servers, its authorizer reading the stack's own keys table. */
async function startRoutesStack(apiType: ApiType): Promise<LocalStack> {
  const stack: LocalStack = await startTestStack({
    apiType,
    servers,
    logger: createLogger('local-gateway', { sink: () => {} }),
    loadAuthorizer: async () =>
      createAuthorizerHandler({
        store: new DynamoKeyStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName),
        servers,
        logger: createLogger('authorizer', { sink: () => {} }),
      }) as never,
  });
  return stack;
}

describe.each(API_TYPES)('npm start with custom routes ({param}) and CORS preflight (API_TYPE=%s)', (apiType) => {
  const noRoute = NO_ROUTE[apiType];
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startRoutesStack(apiType);
  });

  afterAll(async () => {
    await stack.close();
  });

  async function whoami(url: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    try {
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: { text: string }[] };
      return JSON.parse(result.content[0].text);
    } finally {
      await client.close();
    }
  }

  it('the banner prints each server at its real routes', () => {
    const text = banner(stack, 1);
    expect(text).toMatch(new RegExp(`tenant-public\\s+none\\s+${stack.baseUrl}/tenants/\\{tenant\\}/mcp`));
    expect(text).toMatch(new RegExp(`tenant-keyed\\s+apiKey\\s+${stack.baseUrl}/keyed/\\{tenant\\}/mcp`));
    expect(text).toMatch(new RegExp(`passthrough\\s+bearerPassthrough\\s+${stack.baseUrl}/passthrough/mcp`));
    expect(text).not.toContain('/tenant-public/mcp');
    expect(text).not.toContain('/tenant-keyed/mcp');
  });

  it('serves a public {param} route for any value of the parameter, through the official MCP client', async () => {
    for (const tenant of ['acme', 'beta']) {
      expect(await whoami(`${stack.baseUrl}/tenants/${tenant}/mcp`)).toMatchObject({
        server: 'tenant-public',
        keyId: null,
      });
    }
  });

  it('a keyed {param} route takes its own key on every parameter value; 401 without, 403 with another server key', async () => {
    const { apiKey, record } = await stack.keys.create({ server: 'tenant-keyed' });
    for (const tenant of ['acme', 'beta']) {
      expect(await whoami(`${stack.baseUrl}/keyed/${tenant}/mcp`, { 'x-api-key': apiKey })).toMatchObject({
        server: 'tenant-keyed',
        keyId: record.keyId,
      });
    }
    expect((await send(`${stack.baseUrl}/keyed/acme/mcp`, 'POST', MCP_HEADERS, PING)).status).toBe(401);
    const other = await stack.keys.create({ server: 'passthrough' });
    const res = await send(
      `${stack.baseUrl}/keyed/acme/mcp`,
      'POST',
      { ...MCP_HEADERS, 'x-api-key': other.apiKey },
      PING,
    );
    expect(res.status).toBe(403);
  });

  it.each([
    ['POST', '/tenant-public/mcp'],
    ['POST', '/tenants/mcp'],
    ['POST', '/tenants/a/b/mcp'],
    ['PUT', '/tenants/acme/mcp'],
  ])('%s %s → no route', async (method, path) => {
    const res = await send(stack.baseUrl + path, method);
    expect(res.status).toBe(noRoute.status);
    expect(JSON.parse(res.body)).toEqual(noRoute.body);
  });

  describe('CORS preflight', () => {
    const preflight = {
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-api-key',
    };

    it('reaches the handler without a key on a keyed server that allows browser origins', async () => {
      const res = await send(`${stack.baseUrl}/keyed/acme/mcp`, 'OPTIONS', preflight);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(res.headers['access-control-allow-headers']).toMatch(/X-Api-Key/i);
      // The preflight opens nothing: the request itself still needs the key.
      const post = await send(`${stack.baseUrl}/keyed/acme/mcp`, 'POST', { ...MCP_HEADERS, origin: ORIGIN }, PING);
      expect(post.status).toBe(401);
    });

    it('the handler refuses an origin the server does not allow', async () => {
      const res = await send(`${stack.baseUrl}/tenants/acme/mcp`, 'OPTIONS', {
        ...preflight,
        origin: 'https://elsewhere.example.com',
      });
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('finds no route where the server allows no browser origin', async () => {
      const res = await send(`${stack.baseUrl}/passthrough/mcp`, 'OPTIONS', preflight);
      expect(res.status).toBe(noRoute.status);
      expect(JSON.parse(res.body)).toEqual(noRoute.body);
    });
  });
});

// REST-only: a REST API hands on a repeated header's last value; an HTTP API joins them with commas (payload 2.0).
describe('npm start: a repeated identity header behind a REST API', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startRoutesStack('rest');
  });

  afterAll(async () => {
    await stack.close();
  });

  describe('a repeated identity header counts with its last value, as API Gateway reads it', () => {
    let apiKey: string;
    beforeAll(async () => {
      ({ apiKey } = await stack.keys.create({ server: 'passthrough' }));
    });
    const post = (headers: Record<string, string | string[]>) =>
      send(`${stack.baseUrl}/passthrough/mcp`, 'POST', { ...MCP_HEADERS, ...headers }, PING);

    it('x-api-key', async () => {
      const wrong = 'mcpg_' + 'W'.repeat(32);
      expect((await post({ 'x-api-key': [wrong, apiKey], authorization: TOKEN })).status).toBe(200);
      expect((await post({ 'x-api-key': [apiKey, wrong], authorization: TOKEN })).status).toBe(401);
    });

    it('Authorization', async () => {
      expect((await post({ 'x-api-key': apiKey, authorization: ['   ', TOKEN] })).status).toBe(200);
      expect((await post({ 'x-api-key': apiKey, authorization: [TOKEN, '   '] })).status).toBe(401);
    });

    it('also when the repeated names differ in case', async () => {
      const url = `${stack.baseUrl}/passthrough/mcp`;
      const base = Object.entries(MCP_HEADERS);
      const wrong = 'mcpg_' + 'W'.repeat(32);
      const keys = (first: string, last: string) => [['X-Api-Key', first] as const, ['x-api-key', last] as const];
      const auth = (first: string, last: string) => [
        ['Authorization', first] as const,
        ['authorization', last] as const,
      ];
      expect(await sendRaw(url, 'POST', [...base, ...keys(wrong, apiKey), ...auth('   ', TOKEN)], PING)).toBe(200);
      expect(await sendRaw(url, 'POST', [...base, ...keys(apiKey, wrong), ...auth('   ', TOKEN)], PING)).toBe(401);
      expect(await sendRaw(url, 'POST', [...base, ...keys(wrong, apiKey), ...auth(TOKEN, '   ')], PING)).toBe(401);
    });
  });
});

// REST-only: the payload 1.0 events a REST API builds (resource, multiValueHeaders, methodArn); payload 2.0 has none.
describe('local gateway events for a {param} route', () => {
  type Recorded = { authorizer: APIGatewayRequestAuthorizerEvent[]; proxy: APIGatewayProxyEvent[] };

  async function withGateway(run: (base: string, seen: Recorded) => Promise<void>): Promise<void> {
    const seen: Recorded = { authorizer: [], proxy: [] };
    await withLocalGateway(
      {
        servers,
        cacheTtlSeconds: 0,
        loadAuthorizer: async () => async (event) => {
          seen.authorizer.push(event);
          return {
            principalId: 'p',
            policyDocument: {
              Version: '2012-10-17',
              Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [event.methodArn] }],
            },
            context: { server: 'tenant-keyed' },
          };
        },
        integration: async (event) => {
          seen.proxy.push(event);
          return { statusCode: 200, body: 'ok' };
        },
      },
      (base) => run(base, seen),
    );
  }

  it('the route template is the resource, the concrete path the path, with path parameters in both events', async () => {
    await withGateway(async (base, seen) => {
      expect((await send(`${base}/keyed/acme%20co/mcp?x=1`, 'POST', { 'x-api-key': 'k' }, '{}')).status).toBe(200);
      const [auth] = seen.authorizer;
      const [proxy] = seen.proxy;
      for (const event of [auth, proxy]) {
        expect(event.resource).toBe('/keyed/{tenant}/mcp');
        expect(event.path).toBe('/keyed/acme%20co/mcp');
        expect(event.pathParameters).toEqual({ tenant: 'acme co' });
        expect(event.requestContext.resourcePath).toBe('/keyed/{tenant}/mcp');
        expect(event.requestContext.path).toBe('/local/keyed/acme%20co/mcp');
      }
      expect(auth.methodArn).toBe(
        'arn:aws:execute-api:us-east-1:123456789012:local000000/local/POST/keyed/acme%20co/mcp',
      );
    });
  });

  it('one request id per request, the same in the authorizer event and the proxy event', async () => {
    await withGateway(async (base, seen) => {
      await send(`${base}/keyed/acme/mcp`, 'POST', { 'x-api-key': 'k' }, '{}');
      await send(`${base}/keyed/acme/mcp`, 'POST', { 'x-api-key': 'k' }, '{}');
      const ids = seen.authorizer.map((event) => event.requestContext.requestId);
      expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(ids[1]).not.toBe(ids[0]);
      expect(seen.proxy.map((event) => event.requestContext.requestId)).toEqual(ids);
    });
  });

  it('a repeated header: its last value in headers, all of them in multiValueHeaders, in both events', async () => {
    await withGateway(async (base, seen) => {
      const res = await send(`${base}/keyed/acme/mcp`, 'POST', {
        'x-api-key': ['first-key', 'last-key'],
        Authorization: ['Bearer first', 'Bearer last'],
      });
      expect(res.status).toBe(200);
      for (const event of [seen.authorizer[0], seen.proxy[0]]) {
        expect(event.headers!['x-api-key']).toBe('last-key');
        expect(event.multiValueHeaders!['x-api-key']).toEqual(['first-key', 'last-key']);
        expect(event.headers!.Authorization).toBe('Bearer last');
        expect(event.multiValueHeaders!.Authorization).toEqual(['Bearer first', 'Bearer last']);
      }
    });
  });

  it('names that differ only in case are one header, under the first spelling received', async () => {
    await withGateway(async (base, seen) => {
      const status = await sendRaw(`${base}/keyed/acme/mcp`, 'POST', [
        ['X-API-Key', 'first-key'],
        ['x-api-key', 'last-key'],
        ['authorization', 'Bearer first'],
        ['Authorization', 'Bearer last'],
      ]);
      expect(status).toBe(200);
      for (const event of [seen.authorizer[0], seen.proxy[0]]) {
        expect(event.headers).toMatchObject({ 'X-API-Key': 'last-key', authorization: 'Bearer last' });
        expect(event.multiValueHeaders).toMatchObject({
          'X-API-Key': ['first-key', 'last-key'],
          authorization: ['Bearer first', 'Bearer last'],
        });
        expect(Object.keys(event.headers!).filter((name) => /^(x-api-key|authorization)$/i.test(name))).toHaveLength(2);
      }
    });
  });

  it('CORS preflight goes to the integration with no authorizer where the server allows origins, else 403', async () => {
    await withGateway(async (base, seen) => {
      expect((await send(`${base}/keyed/acme/mcp`, 'OPTIONS', { origin: ORIGIN })).status).toBe(200);
      expect(seen.authorizer).toHaveLength(0);
      expect(seen.proxy[0].httpMethod).toBe('OPTIONS');
      expect(seen.proxy[0].requestContext.authorizer).toBeNull();

      expect((await send(`${base}/passthrough/mcp`, 'OPTIONS', { origin: ORIGIN })).status).toBe(403);
      expect(seen.proxy).toHaveLength(1);
    });
  });
});
