import { IDENTITY_HEADERS, isGuarded } from '../../config/identity-sources';
import { matchRoute, serverForRoute } from '../../config/routes';
import { resolveServers } from '../../config/validate';

const servers = resolveServers([
  { name: 'plain', authMode: 'none', tools: [] },
  { name: 'tenant', authMode: 'apiKey', tools: [], routes: ['/t/{tenant}/mcp', '/t/static/mcp-x'] },
  { name: 'files', authMode: 'apiKey', tools: [], routes: ['/files/{path+}'] },
]);

describe('route lookup', () => {
  it('finds a server by the route template API Gateway matched', () => {
    expect(serverForRoute(servers, '/t/{tenant}/mcp')?.name).toBe('tenant');
    expect(serverForRoute(servers, '/t/acme/mcp')).toBeUndefined();
    expect(serverForRoute(servers, undefined)).toBeUndefined();
  });

  it.each([
    ['/plain/mcp', 'plain', '/plain/mcp', {}],
    ['/t/acme/mcp', 'tenant', '/t/{tenant}/mcp', { tenant: 'acme' }],
    ['/t/a%20b/mcp', 'tenant', '/t/{tenant}/mcp', { tenant: 'a b' }],
    ['/t/static/mcp-x', 'tenant', '/t/static/mcp-x', {}],
    ['/files/a/b/c', 'files', '/files/{path+}', { path: 'a/b/c' }],
  ])('routes %s to %s', (path, server, route, pathParameters) => {
    expect(matchRoute(servers, path)).toEqual({
      server: expect.objectContaining({ name: server }),
      route,
      pathParameters,
    });
  });

  it.each(['/t//mcp', '/t/acme/mcp/extra', '/t/acme', '/files/', '/plain/mcp/', '/other/mcp'])(
    'does not route %s',
    (path) => {
      expect(matchRoute(servers, path)).toBeUndefined();
    },
  );
});

describe('identity sources', () => {
  it('guard every mode but none, and a bearerPassthrough request needs more than an apiKey one', () => {
    expect(isGuarded('none')).toBe(false);
    expect(isGuarded('apiKey')).toBe(true);
    expect(isGuarded('bearerPassthrough')).toBe(true);
    expect(IDENTITY_HEADERS.bearerPassthrough).toEqual(expect.arrayContaining([...IDENTITY_HEADERS.apiKey]));
    expect(IDENTITY_HEADERS.bearerPassthrough.length).toBeGreaterThan(IDENTITY_HEADERS.apiKey.length);
  });
});
