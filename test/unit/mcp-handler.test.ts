import type { APIGatewayProxyEvent } from 'aws-lambda';
import { servers } from '../../config/servers';
import type { ResolvedServer } from '../../config/types';
import { resolveServers } from '../../config/validate';
import { createHandler } from '../../lambdas/mcp/handler';
import { resolveInvocation } from '../../lambdas/mcp/invocation';
import type { McpEvent } from '../../lambdas/mcp/api-gateway';
import { ConfigError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';
import { httpApiEvent, loadEvent, restEvent, rpc } from '../helpers/events';

const lines: string[] = [];
const logger = createLogger('mcp', { level: 'debug', sink: (line) => lines.push(line) });
const handler = createHandler({ env: {}, logger });
const server = (name: string): ResolvedServer => servers.find((s) => s.name === name)!;

function withAuthorizer(
  event: APIGatewayProxyEvent,
  authorizer: Record<string, unknown> | undefined,
): APIGatewayProxyEvent {
  return { ...event, requestContext: { ...event.requestContext, authorizer } };
}

beforeEach(() => {
  lines.length = 0;
});

describe('the events/ fixtures through handler', () => {
  it.each([
    { file: 'mcp-initialize.json', result: { protocolVersion: '2025-11-25', serverInfo: { name: 'demo-apikey' } } },
    { file: 'mcp-tools-list.json', result: { tools: [{ name: 'echo' }, { name: 'whoami' }] } },
    { file: 'mcp-tools-call.json', result: { content: [{ type: 'text', text: 'hello from a fixture' }] } },
    {
      file: 'mcp-http-api-tools-call.json',
      result: {
        content: [
          {
            type: 'text',
            text: JSON.stringify({
              server: 'demo-apikey',
              authMode: 'apiKey',
              keyId: 'key_3f9a1c0d7e2b4a68',
              authorizationReceived: false,
            }),
          },
        ],
      },
    },
  ])('$file → 200 with its result', async ({ file, result }) => {
    // Arrange
    const event = loadEvent<McpEvent>(file);

    // Act
    const response = await handler(event);

    // Assert
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(JSON.parse(response.body)).toMatchObject({ jsonrpc: '2.0', result });
  });

  it('never logs the x-api-key or a header map', async () => {
    await handler(loadEvent('mcp-tools-call.json'));

    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toMatch(/mcpg_|x-api-key/i);
  });
});

describe('server selection', () => {
  const whoami = rpc('tools/call', { name: 'whoami', arguments: {} });
  it.each([
    {
      name: 'REST resource',
      event: restEvent({ resource: '/demo-public/mcp', path: '/demo-public/mcp', body: whoami }),
      server: 'demo-public',
    },
    {
      name: 'REST proxy resource, matched by path',
      event: restEvent({ resource: '/{proxy+}', path: '/demo-public/mcp', body: whoami }),
      server: 'demo-public',
    },
    {
      name: 'HTTP API route key',
      event: httpApiEvent({ routeKey: 'POST /demo-public/mcp', rawPath: '/prod/demo-public/mcp', body: whoami }),
      server: 'demo-public',
    },
    {
      name: 'HTTP API $default route, matched by raw path',
      event: httpApiEvent({ routeKey: '$default', rawPath: '/demo-public/mcp', body: whoami }),
      server: 'demo-public',
    },
  ])('$name → $server', async ({ event, server: expected }) => {
    const response = await handler(event as McpEvent);

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(JSON.parse(response.body).result.content[0].text)).toMatchObject({
      server: expected,
      keyId: null,
    });
  });

  it.each([
    { name: 'REST', event: restEvent({ resource: '/nobody/mcp', path: '/nobody/mcp' }) },
    { name: 'HTTP API', event: httpApiEvent({ routeKey: 'POST /nobody/mcp', rawPath: '/nobody/mcp' }) },
    { name: 'HTTP API $default', event: httpApiEvent({ routeKey: '$default', rawPath: '/' }) },
  ])('an event for no configured server ($name) → 404 JSON error', async ({ event }) => {
    const response = await handler(event as McpEvent);

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
  });

  it('serves the pinned server (MCP_SERVER_NAME) whatever the route', async () => {
    const pinned = createHandler({ env: { MCP_SERVER_NAME: 'demo-public' }, logger });
    const event = restEvent({
      resource: '/anything',
      path: '/anything',
      body: rpc('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      }),
    });

    const response = await pinned(event);

    expect(JSON.parse(response.body).result.serverInfo.name).toBe('demo-public');
  });

  it('refuses to start when MCP_SERVER_NAME names no server, naming the variable', () => {
    expect(() => createHandler({ env: { MCP_SERVER_NAME: 'nope' }, logger })).toThrow(ConfigError);
    expect(() => createHandler({ env: { MCP_SERVER_NAME: 'nope' }, logger })).toThrow(/MCP_SERVER_NAME.*"nope"/);
  });
});

describe('authorizer context on guarded servers', () => {
  const fixture = loadEvent('mcp-tools-call.json');
  it.each([
    {
      name: 'strings from API Gateway',
      authorizer: { principalId: 'key_1', server: 'demo-apikey', keyId: 'key_1', authMode: 'apiKey' },
      status: 200,
    },
    {
      name: 'raw values from sam local',
      authorizer: { server: 'demo-apikey', keyId: 42, authMode: 'apiKey' },
      status: 200,
    },
    { name: 'no context (route bypassed the authorizer)', authorizer: undefined, status: 403 },
    {
      name: 'context for another server',
      authorizer: { server: 'demo-passthrough', keyId: 'key_1', authMode: 'bearerPassthrough' },
      status: 403,
    },
    {
      name: 'context with another auth mode',
      authorizer: { server: 'demo-apikey', keyId: 'key_1', authMode: 'none' },
      status: 403,
    },
    { name: 'context without keyId', authorizer: { server: 'demo-apikey', authMode: 'apiKey' }, status: 403 },
  ])('$name → $status', async ({ authorizer, status }) => {
    const response = await handler(withAuthorizer(fixture, authorizer));

    expect(response.statusCode).toBe(status);
    if (status === 403)
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: -32000, message: 'Forbidden' } });
  });
});

describe('methods the stateless server does not serve', () => {
  it.each(['TRACE', 'CONNECT', 'PATCH', 'post ', 'X Y'])('%s → 405 with Allow, never a 500', async (httpMethod) => {
    const fixture = loadEvent('mcp-tools-call.json');

    const response = await handler({ ...fixture, httpMethod });

    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ allow: 'POST, OPTIONS' });
  });
});

describe('resolveInvocation', () => {
  it.each([
    { server: 'demo-public', context: undefined, expected: { ok: true, keyId: null } },
    { server: 'demo-public', context: { server: 'demo-public', keyId: 'key_9' }, expected: { ok: true, keyId: null } },
    {
      server: 'demo-apikey',
      context: { server: 'demo-apikey', keyId: 'key_9' },
      expected: { ok: true, keyId: 'key_9' },
    },
    {
      server: 'demo-passthrough',
      context: { server: 'demo-passthrough', keyId: 'key_9', authMode: 'bearerPassthrough' },
      expected: { ok: true, keyId: 'key_9' },
    },
    { server: 'demo-apikey', context: undefined, expected: { ok: false } },
    {
      server: 'demo-passthrough',
      context: { server: 'demo-apikey', keyId: 'key_9', authMode: 'apiKey' },
      expected: { ok: false },
    },
  ])('$server with $context', ({ server: name, context, expected }) => {
    const decision = resolveInvocation(server(name), context);

    expect(decision.ok).toBe(expected.ok);
    if (decision.ok) expect(decision.invocation.keyId).toBe(expected.keyId);
    else expect(decision.reason).toMatch(/authorizer context/);
  });
});

describe('CORS preflight on a guarded server with allowed origins', () => {
  const APP = 'https://app.example.com';
  const [browserApiKey] = resolveServers([
    { name: 'browser-apikey', authMode: 'apiKey', tools: ['echo'], allowedOrigins: [APP] },
  ]);
  const browserHandler = createHandler({ servers: [browserApiKey], env: {}, logger });
  const route = { resource: '/browser-apikey/mcp', path: '/browser-apikey/mcp' };
  const preflight = (headers: Record<string, string>): APIGatewayProxyEvent =>
    withAuthorizer(
      restEvent({ ...route, httpMethod: 'OPTIONS', body: null, headers, multiValueHeaders: {} }),
      undefined,
    );

  it('answers OPTIONS without an authorizer context, allowing the headers an MCP client sends', async () => {
    // Arrange
    const event = preflight({
      Origin: APP,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-api-key,authorization,mcp-protocol-version',
    });

    // Act
    const response = await browserHandler(event);

    // Assert
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': expect.stringContaining('POST'),
      vary: 'Origin',
    });
    const allowed = String(response.headers?.['access-control-allow-headers'])
      .split(',')
      .map((name) => name.trim().toLowerCase());
    expect(allowed).toEqual(
      expect.arrayContaining([
        'content-type',
        'x-api-key',
        'authorization',
        'mcp-protocol-version',
        'mcp-session-id',
        'last-event-id',
      ]),
    );
  });

  it('answers an HTTP API preflight (payload 2.0) without an authorizer context too', async () => {
    const base = httpApiEvent({ routeKey: 'OPTIONS /browser-apikey/mcp', rawPath: '/browser-apikey/mcp' });
    const event = {
      ...base,
      body: undefined,
      headers: { origin: APP, 'access-control-request-method': 'POST' },
      requestContext: {
        ...base.requestContext,
        http: { ...base.requestContext.http, method: 'OPTIONS' },
        authorizer: undefined,
      },
    };

    const response = await browserHandler(event as McpEvent);

    expect(response.statusCode).toBe(204);
    expect(response.headers?.['access-control-allow-origin']).toBe(APP);
  });

  it('refuses a preflight from an origin that is not allowed', async () => {
    const response = await browserHandler(
      preflight({ Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' }),
    );

    expect(response.statusCode).toBe(403);
    expect(response.headers?.['access-control-allow-origin']).toBeUndefined();
  });

  it.each(['POST', 'GET', 'DELETE', 'PUT'])('serves no %s without the authorizer context', async (httpMethod) => {
    const event = withAuthorizer(
      restEvent({ ...route, httpMethod, headers: { ...restEvent().headers, Origin: APP }, multiValueHeaders: {} }),
      undefined,
    );

    const response = await browserHandler(event);

    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: -32000, message: 'Forbidden' } });
  });

  it('serves POST from the allowed origin with the authorizer context, with the CORS grant', async () => {
    const event = withAuthorizer(
      restEvent({ ...route, headers: { ...restEvent().headers, Origin: APP }, multiValueHeaders: {} }),
      {
        server: 'browser-apikey',
        keyId: 'key_1',
        authMode: 'apiKey',
      },
    );

    const response = await browserHandler(event);

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['access-control-allow-origin']).toBe(APP);
  });
});

describe('correlation', () => {
  it.each([
    {
      name: 'REST',
      event: loadEvent<McpEvent>('mcp-tools-call.json'),
      requestId: 'e8c1bc18-7b61-11e6-9a41-93e8deadbeef',
    },
    { name: 'HTTP API', event: loadEvent<McpEvent>('mcp-http-api-tools-call.json'), requestId: 'BQGp0h5kjoEEMnQ=' },
    {
      name: 'REST, refused',
      event: withAuthorizer(
        restEvent({ requestContext: { ...restEvent().requestContext, requestId: 'req-refused' } }),
        undefined,
      ),
      requestId: 'req-refused',
    },
  ])("puts API Gateway's request id on every log line ($name)", async ({ event, requestId }) => {
    await handler(event);

    const entries = lines.map((line) => JSON.parse(line) as { requestId?: string; message: string });
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry).toMatchObject({ requestId });
  });
});
