import type { AuthMode } from '../../config/types';
import { DownstreamError } from '../../lambdas/mcp/errors';
import { createDownstreamFetch } from '../../lambdas/mcp/tools/downstream-fetch';

interface Sent {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: unknown;
  readonly redirect: string | undefined;
}

const TOKEN = 'Bearer a.b.c';
const ALLOWED = 'https://api.example.com';

/** A fake fetch: answers from `routes` (URL → response factory), 200 "ok" otherwise, and records what was sent. */
function fakeFetch(routes: Record<string, () => Response> = {}) {
  const sent: Sent[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    sent.push({
      url,
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: init?.body,
      redirect: init?.redirect,
    });
    return routes[url]?.() ?? new Response('ok');
  }) as typeof fetch;
  return { impl, sent };
}

const redirect = (status: number, location: string) => () => new Response(null, { status, headers: { location } });

describe('which requests carry the caller Authorization', () => {
  it.each<{ authMode: AuthMode; url: string; authorization: string | undefined; expected: string | null }>([
    { authMode: 'bearerPassthrough', url: `${ALLOWED}/v1`, authorization: TOKEN, expected: TOKEN },
    { authMode: 'bearerPassthrough', url: `${ALLOWED}/v1`, authorization: undefined, expected: null },
    { authMode: 'bearerPassthrough', url: 'https://other.example.com/v1', authorization: TOKEN, expected: null },
    { authMode: 'bearerPassthrough', url: 'http://api.example.com/v1', authorization: TOKEN, expected: null },
    { authMode: 'bearerPassthrough', url: 'https://api.example.com:8443/v1', authorization: TOKEN, expected: null },
    { authMode: 'bearerPassthrough', url: 'https://sub.api.example.com/v1', authorization: TOKEN, expected: null },
    { authMode: 'apiKey', url: `${ALLOWED}/v1`, authorization: TOKEN, expected: null },
    // An oauth server's Authorization is mcp-gate's own token: it never leaves, allow-listed origin or not.
    { authMode: 'oauth', url: `${ALLOWED}/v1`, authorization: TOKEN, expected: null },
    { authMode: 'none', url: `${ALLOWED}/v1`, authorization: TOKEN, expected: null },
  ])('$authMode → $url with $authorization: $expected', async ({ authMode, url, authorization, expected }) => {
    // Arrange
    const { impl, sent } = fakeFetch();
    const fetch = createDownstreamFetch({
      authMode,
      authorization,
      passthroughOrigins: new Set([ALLOWED]),
      fetch: impl,
    });

    // Act
    await fetch(url);

    // Assert
    expect(sent).toHaveLength(1);
    expect(sent[0].headers.get('authorization')).toBe(expected);
    expect(sent[0].redirect).toBe('manual');
  });

  it.each<{ authMode: AuthMode; url: string; expected: string }>([
    { authMode: 'apiKey', url: `${ALLOWED}/v1`, expected: 'Basic tool-own' },
    { authMode: 'bearerPassthrough', url: 'https://other.example.com', expected: 'Basic tool-own' },
    { authMode: 'bearerPassthrough', url: `${ALLOWED}/v1`, expected: TOKEN },
  ])(
    "a tool's own Authorization header stays unless passthrough replaces it ($authMode, $url)",
    async ({ authMode, url, expected }) => {
      const { impl, sent } = fakeFetch();
      const fetch = createDownstreamFetch({
        authMode,
        authorization: TOKEN,
        passthroughOrigins: new Set([ALLOWED]),
        fetch: impl,
      });

      await fetch(url, { headers: { authorization: 'Basic tool-own' } });

      expect(sent[0].headers.get('authorization')).toBe(expected);
    },
  );
});

describe('redirects', () => {
  const passthrough = (impl: typeof fetch, maxRedirects?: number) =>
    createDownstreamFetch({
      authMode: 'bearerPassthrough',
      authorization: TOKEN,
      passthroughOrigins: new Set([ALLOWED]),
      fetch: impl,
      maxRedirects,
    });

  it('keeps the header on same-origin hops and drops it for good once a hop leaves the origin', async () => {
    // Arrange: A → A → B → A
    const { impl, sent } = fakeFetch({
      [`${ALLOWED}/start`]: redirect(302, '/next'),
      [`${ALLOWED}/next`]: redirect(307, 'https://elsewhere.example.com/x'),
      'https://elsewhere.example.com/x': redirect(301, `${ALLOWED}/back`),
    });

    // Act
    const response = await passthrough(impl)(`${ALLOWED}/start`, { headers: { 'x-tool': 'kept' } });

    // Assert
    expect(await response.text()).toBe('ok');
    expect(sent.map((hop) => [hop.url, hop.headers.get('authorization'), hop.headers.get('x-tool')])).toEqual([
      [`${ALLOWED}/start`, TOKEN, 'kept'],
      [`${ALLOWED}/next`, TOKEN, 'kept'],
      ['https://elsewhere.example.com/x', null, 'kept'],
      [`${ALLOWED}/back`, null, 'kept'],
    ]);
  });

  it("drops a tool's own Authorization on a cross-origin hop too", async () => {
    const { impl, sent } = fakeFetch({ 'https://other.example.com/a': redirect(302, 'https://third.example.com/b') });
    const fetch = createDownstreamFetch({
      authMode: 'apiKey',
      authorization: TOKEN,
      passthroughOrigins: new Set(),
      fetch: impl,
    });

    await fetch('https://other.example.com/a', { headers: { authorization: 'Basic tool-own' } });

    expect(sent.map((hop) => hop.headers.get('authorization'))).toEqual(['Basic tool-own', null]);
  });

  it.each([
    { status: 301, method: 'POST', next: 'GET', body: undefined },
    { status: 302, method: 'POST', next: 'GET', body: undefined },
    { status: 303, method: 'PUT', next: 'GET', body: undefined },
    { status: 307, method: 'POST', next: 'POST', body: '{"a":1}' },
    { status: 308, method: 'PUT', next: 'PUT', body: '{"a":1}' },
    { status: 302, method: 'PUT', next: 'PUT', body: '{"a":1}' },
  ])('$status after $method continues with $next', async ({ status, method, next, body }) => {
    const { impl, sent } = fakeFetch({ [`${ALLOWED}/a`]: redirect(status, '/b') });

    await passthrough(impl)(`${ALLOWED}/a`, {
      method,
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });

    expect(sent[1]).toMatchObject({ url: `${ALLOWED}/b`, method: next, body });
    expect(sent[1].headers.get('content-type')).toBe(body === undefined ? null : 'application/json');
  });

  it('returns a 3xx without Location as it is', async () => {
    const { impl, sent } = fakeFetch({ [`${ALLOWED}/a`]: () => new Response('moved', { status: 302 }) });

    const response = await passthrough(impl)(`${ALLOWED}/a`);

    expect(response.status).toBe(302);
    expect(sent).toHaveLength(1);
  });

  it.each([
    {
      name: 'a redirect loop',
      routes: { [`${ALLOWED}/loop`]: redirect(302, '/loop') },
      message: /more than 3 redirects/,
    },
    {
      name: 'a redirect to file:',
      routes: { [`${ALLOWED}/loop`]: redirect(302, 'file:///etc/passwd') },
      message: /scheme file: is not allowed/,
    },
  ])('refuses $name with a DownstreamError', async ({ routes, message }) => {
    const { impl } = fakeFetch(routes);

    const call = passthrough(impl, 3)(`${ALLOWED}/loop`);

    await expect(call).rejects.toBeInstanceOf(DownstreamError);
    await expect(call).rejects.toThrow(message);
  });

  it.each(['ftp://api.example.com/x', 'data:text/plain,hi', 'not a url'])('refuses the URL %s', async (url) => {
    const { impl, sent } = fakeFetch();

    await expect(passthrough(impl)(url)).rejects.toBeInstanceOf(DownstreamError);
    expect(sent).toHaveLength(0);
  });
});
