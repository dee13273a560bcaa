import { globsIntersect, resolveServers } from '../../config/validate';
import type { ServerConfig } from '../../config/types';
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
      [server('docs', undefined, { authMode: 'oauth' as never })],
      /authMode must be one of none, apiKey, bearerPassthrough/,
    ],
    [[server('docs', undefined, { tools: ['echo', 'echo'] })], /tool "echo" is listed twice/],
    [[server('docs', [])], /routes must not be empty/],
    [[server('docs', ['no-slash'])], /route "no-slash" is invalid/],
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
