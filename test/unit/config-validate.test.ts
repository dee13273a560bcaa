import { globsIntersect, resolveServers } from '../../config/validate';
import type { HttpToolConfig, ServerConfig } from '../../config/types';
import { ConfigError } from '../../lambdas/shared/errors';

const server = (name: string, routes?: string[], extra: Partial<ServerConfig> = {}): ServerConfig => ({
  name,
  authMode: 'apiKey',
  tools: [],
  ...(routes ? { routes } : {}),
  ...extra,
});

describe('resolveServers', () => {
  it('applies the defaults', () => {
    const [resolved] = resolveServers([server('docs')]);
    expect(resolved).toMatchObject({ routes: ['/docs/mcp'], allowedOrigins: [], passthroughOrigins: [] });
  });

  it.each([
    [[server('Docs')], /server name "Docs" is invalid/],
    [[server('-docs')], /is invalid/],
    [[server('docs'), server('docs')], /configured twice/],
    [
      [server('docs', undefined, { authMode: 'mtls' as never })],
      /authMode must be one of none, apiKey, bearerPassthrough, oauth/,
    ],
    [[server('docs', undefined, { tools: ['echo', 'echo'] })], /tool "echo" is listed twice/],
    [[server('docs', [])], /routes must not be empty/],
    [[server('docs', ['no-slash'])], /route "no-slash" is invalid/],
    [[server('docs', ['/docs/mcp-{id}'])], /route "\/docs\/mcp-{id}" is invalid/],
    [[server('docs', ['/docs/{path+}/mcp'])], /route "\/docs\/{path\+}\/mcp" is invalid/],
    [[server('docs', ['/docs//mcp'])], /is invalid/],
    [[server('docs', ['/docs/mcp/'])], /is invalid/],
    [[server('docs', ['/docs/{}'])], /is invalid/],
    [[server('a', ['/x/mcp']), server('b', ['/x/mcp'])], /belongs to both "a" and "b"/],
    [[server('a', ['/shared/{id}']), server('b', ['/shared/victim'])], /overlaps route "\/shared\/{id}" of "a"/],
    [[server('a', ['/{tenant}/mcp']), server('b', ['/shared/{id}'])], /overlaps/],
    [[server('a', ['/{proxy+}']), server('b')], /overlaps/],
  ])('rejects %j', (servers, message) => {
    expect(() => resolveServers(servers)).toThrow(ConfigError);
    expect(() => resolveServers(servers)).toThrow(message);
  });

  it('accepts parameter routes that no other server can reach', () => {
    expect(() => resolveServers([server('a', ['/a/{id}/mcp', '/a/mcp']), server('b', ['/b/{id}/mcp'])])).not.toThrow();
    expect(() => resolveServers([server('a', ['/a/{path+}']), server('b', ['/'])])).not.toThrow();
  });
});

describe('resolveServers: tool and browser configuration', () => {
  const httpTool = (overrides: Partial<HttpToolConfig> = {}): HttpToolConfig => ({
    kind: 'http',
    name: 'get_item',
    description: 'd',
    baseUrl: 'https://api.example.com/v1',
    path: '/items/{id}',
    parameters: { id: { type: 'string' } },
    ...overrides,
  });
  const withTool = (tool: HttpToolConfig | string, extra: Partial<ServerConfig> = {}): ServerConfig[] => [
    server('docs', undefined, { tools: [tool], ...extra }),
  ];

  it.each([
    {
      name: 'an unknown function tool',
      servers: withTool('ghost'),
      message: /^server "docs", tool "ghost": no function tool has this name \(function tools: echo, whoami;/,
    },
    {
      name: 'a path placeholder without a parameter',
      servers: withTool(httpTool({ path: '/items/{nope}' })),
      message: /^server "docs", tool "get_item": placeholder \{nope\} names no parameter \(in path\)$/,
    },
    {
      name: 'a header placeholder without a parameter',
      servers: withTool(httpTool({ headers: { 'x-who': '{who}' } })),
      message: /tool "get_item": placeholder \{who\} names no parameter \(in header x-who\)/,
    },
    {
      name: 'a body placeholder without a parameter',
      servers: withTool(httpTool({ method: 'POST', body: { a: [{ b: 'x{who}' }] } })),
      message: /tool "get_item": placeholder \{who\} names no parameter \(in body\)/,
    },
    {
      name: 'a placeholder naming an inherited property',
      servers: withTool(httpTool({ path: '/items/{constructor}' })),
      message: /placeholder \{constructor\} names no parameter/,
    },
    {
      name: 'a relative base URL',
      servers: withTool(httpTool({ baseUrl: 'api.example.com/v1' })),
      message: /tool "get_item": baseUrl "api.example.com\/v1" is not a URL/,
    },
    {
      name: 'a base URL that is not http(s)',
      servers: withTool(httpTool({ baseUrl: 'file:///etc' })),
      message: /tool "get_item": baseUrl "file:\/\/\/etc" must be an http or https URL/,
    },
    {
      name: 'a base URL with a query',
      servers: withTool(httpTool({ baseUrl: 'https://api.example.com/?k=1' })),
      message: /must not have a query or fragment/,
    },
    {
      name: 'a negative timeoutMs',
      servers: withTool(httpTool({ timeoutMs: -1 })),
      message: /tool "get_item": timeoutMs must be an integer from 1 to 29000 .*got -1/,
    },
    {
      name: 'a fractional timeoutMs',
      servers: withTool(httpTool({ timeoutMs: 1.5 })),
      message: /timeoutMs must be an integer/,
    },
    {
      name: "a timeoutMs beyond API Gateway's 29 s",
      servers: withTool(httpTool({ timeoutMs: 29_001 })),
      message: /timeoutMs must be an integer from 1 to 29000/,
    },
    {
      name: 'a zero timeoutMs',
      servers: withTool(httpTool({ timeoutMs: 0 })),
      message: /timeoutMs must be an integer/,
    },
    {
      name: 'a dot segment in the path template',
      servers: withTool(httpTool({ path: '/items/%2E%2e/{id}' })),
      message: /path must not contain a "\." or "\.\." segment/,
    },
    {
      name: 'a GET with a body',
      servers: withTool(httpTool({ body: { id: '{id}' } })),
      message: /a GET request cannot have a body/,
    },
    {
      name: 'an invalid parameter name',
      servers: withTool(httpTool({ path: '', parameters: { 'a-b': { type: 'string' } } })),
      message: /parameter name "a-b" is invalid/,
    },
    {
      name: 'an Authorization header template on a bearerPassthrough server',
      servers: withTool(httpTool({ headers: { AUTHORIZATION: 'Bearer {id}' } }), { authMode: 'bearerPassthrough' }),
      message: /^server "docs", tool "get_item": header "AUTHORIZATION" cannot be set on a bearerPassthrough server/,
    },
    {
      name: 'allowedOrigins *',
      servers: [server('docs', undefined, { allowedOrigins: ['*'] })],
      message: /^server "docs": allowedOrigins entry "\*" is not an exact origin/,
    },
    {
      name: 'an allowed origin with a trailing slash',
      servers: [server('docs', undefined, { allowedOrigins: ['https://app.example.com/'] })],
      message: /allowedOrigins entry "https:\/\/app.example.com\/" is not an exact origin/,
    },
    {
      name: 'an allowed origin with a wildcard host',
      servers: [server('docs', undefined, { allowedOrigins: ['https://*.example.com'] })],
      message: /is not an exact origin/,
    },
    {
      name: 'an allowed origin with a path',
      servers: [server('docs', undefined, { allowedOrigins: ['https://app.example.com/app'] })],
      message: /is not an exact origin/,
    },
    {
      name: 'an allowed origin "null"',
      servers: [server('docs', undefined, { allowedOrigins: ['null'] })],
      message: /is not an exact origin/,
    },
    {
      name: 'an allowed origin with a default port',
      servers: [server('docs', undefined, { allowedOrigins: ['https://app.example.com:443'] })],
      message: /is not an exact origin/,
    },
    {
      name: 'an allowed origin that is not http(s)',
      servers: [server('docs', undefined, { allowedOrigins: ['chrome-extension://abc'] })],
      message: /is not an exact origin/,
    },
  ])('rejects $name at load, in one line naming server and tool', ({ servers, message }) => {
    expect(() => resolveServers(servers)).toThrow(ConfigError);
    expect(() => resolveServers(servers)).toThrow(message);
    expect(() => resolveServers(servers)).not.toThrow(/\n/);
  });

  it.each([
    { name: 'function tools', tools: ['echo', 'whoami'] },
    { name: 'an env base URL (checked when resolved)', tools: [httpTool({ baseUrl: { env: 'NOT_SET_HERE' } })] },
    {
      name: 'an http loopback base URL with a path prefix',
      tools: [httpTool({ baseUrl: 'http://127.0.0.1:3001/v1/' })],
    },
    { name: 'timeoutMs 1 and 29000', tools: [httpTool({ timeoutMs: 1 }), httpTool({ name: 'b', timeoutMs: 29_000 })] },
    {
      name: 'placeholders in path, query, headers and body',
      tools: [httpTool({ method: 'POST', path: '/i/{id}?q={id}', headers: { 'x-id': '{id}' }, body: { id: '{id}' } })],
    },
    { name: 'a literal dot inside a segment', tools: [httpTool({ path: '/v1.2/items/{id}.json' })] },
  ])('accepts $name', ({ tools }) => {
    expect(() => resolveServers([server('docs', undefined, { tools })])).not.toThrow();
  });

  it("accepts exact origins and an Authorization template on servers that do not pass the caller's through", () => {
    const servers = [
      server('browser', undefined, {
        allowedOrigins: ['https://app.example.com', 'http://localhost:5173', 'http://[::1]:8080'],
      }),
      server('own-auth', undefined, { tools: [httpTool({ headers: { Authorization: 'Bearer {id}' } })] }),
    ];

    expect(() => resolveServers(servers)).not.toThrow();
  });

  it("refuses passthroughOrigins on an oauth server: its Authorization is mcp-gate's own token", () => {
    // Arrange
    const config = server('sso', undefined, { authMode: 'oauth', passthroughOrigins: ['https://api.example.com'] });
    // Act
    const load = () => resolveServers([config]);
    // Assert
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/"sso": passthroughOrigins .*never forwarded/);
    expect(() => resolveServers([server('sso', undefined, { authMode: 'oauth' })])).not.toThrow();
  });
});

describe('globsIntersect', () => {
  it.each([
    ['/a/*', '/a/b', true],
    ['/a/*', '/b/*', false],
    ['/*/x', '/a/*', true],
    ['/a*', '*b', true],
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/c', false],
    ['*', '', true],
    ['/x/*/mcp', '/x/mcp', false],
  ])('%s ∩ %s → %s', (a, b, expected) => {
    expect(globsIntersect(a, b)).toBe(expected);
    expect(globsIntersect(b, a)).toBe(expected);
  });
});
