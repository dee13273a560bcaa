import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { HttpToolConfig, OutboundAuth } from '../../config/types';
import { resolveServers } from '../../config/validate';
import { staticSecrets } from '../../lambdas/mcp/secrets';
import { createTokenCache } from '../../lambdas/mcp/tools/client-credentials';
import { createDownstreamFetch } from '../../lambdas/mcp/tools/downstream-fetch';
import { compileHttpTool } from '../../lambdas/mcp/tools/http-tool';
import { createAuthenticator } from '../../lambdas/mcp/tools/outbound-auth';
import type { ToolContext } from '../../lambdas/mcp/tools/types';
import { createLogger } from '../../lambdas/shared/logger';
import { close, listen } from '../../local/listen';

const SECRETS = {
  'secretsManager:api/key': 'k3y-V4lue',
  'ssm:/api/token': 'b3arer-V4lue',
  'secretsManager:api/password': 'p4ss:w0rd',
  'secretsManager:api/client-secret': 'cl1ent S3cret&=',
};

interface Seen {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A downstream API that records what it receives, and an OAuth token endpoint it trusts. */
let server: Server;
let origin: string;
const seen: Seen[] = [];
const tokenRequests: Seen[] = [];
let now = 1_000_000;
const tokenLifetime = 120;
const issued = new Map<string, number>();
const revoked = new Set<string>();
let next = 0;
/** The API refuses every token (as after a key rotation on its side). */
let refuseAll = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/token') {
        tokenRequests.push(request);
        const token = `token-${next++}`;
        issued.set(token, now + tokenLifetime * 1000);
        return json(200, { access_token: token, token_type: 'Bearer', expires_in: tokenLifetime });
      }
      seen.push(request);
      if (req.url?.startsWith('/echo')) {
        // An API that quotes the request back, as some error pages do.
        return json(req.url.includes('fail') ? 400 : 200, { got: req.headers.authorization ?? req.url });
      }
      if (req.url?.startsWith('/oauth-api')) {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const valid = (issued.get(token) ?? 0) > now && !revoked.has(token) && !refuseAll;
        return valid ? json(200, { ok: token }) : json(401, { error: 'invalid_token' });
      }
      json(200, { ok: true });
    });
  });
  origin = `http://127.0.0.1:${await listen(server, 0, 'PORT')}`;
});
afterAll(() => close(server));
beforeEach(() => {
  seen.length = 0;
  tokenRequests.length = 0;
});

const tokens = createTokenCache({ clock: () => now });

function tool(
  auth: OutboundAuth,
  path = '/api',
  more: Partial<Pick<HttpToolConfig, 'baseUrl' | 'maxResponseBytes'>> = {},
): ReturnType<typeof compileHttpTool> {
  const config: HttpToolConfig = { kind: 'http', name: 't', description: 'd', baseUrl: origin, path, auth, ...more };
  return compileHttpTool(config, {
    env: {},
    logger: createLogger('mcp', { sink: () => undefined }),
    secrets: staticSecrets(SECRETS),
    tokens,
  });
}

function ctx(authMode: ToolContext['authMode'] = 'apiKey', authorization?: string): ToolContext {
  return {
    server: 's',
    authMode,
    keyId: null,
    authorizationReceived: authorization !== undefined,
    fetch: createDownstreamFetch({ authMode, authorization, passthroughOrigins: new Set([origin]) }),
    signal: new AbortController().signal,
  };
}

const text = (result: { content: unknown }) => (result.content as { text: string }[])[0].text;

describe('outbound auth against a server that checks it', () => {
  it.each([
    {
      auth: { type: 'apiKey', name: 'X-Api-Key', value: { secretsManager: 'api/key' } },
      check: (request: Seen) => expect(request.headers['x-api-key']).toBe('k3y-V4lue'),
    },
    {
      auth: { type: 'apiKey', in: 'query', name: 'api_key', prefix: 'K:', value: { secretsManager: 'api/key' } },
      check: (request: Seen) => expect(new URL(request.url, origin).searchParams.get('api_key')).toBe('K:k3y-V4lue'),
    },
    {
      auth: { type: 'bearer', token: { ssm: '/api/token' } },
      check: (request: Seen) => expect(request.headers.authorization).toBe('Bearer b3arer-V4lue'),
    },
    {
      auth: { type: 'basic', username: 'svc', password: { secretsManager: 'api/password' } },
      check: (request: Seen) =>
        expect(request.headers.authorization).toBe(`Basic ${Buffer.from('svc:p4ss:w0rd').toString('base64')}`),
    },
    {
      auth: { type: 'none' },
      check: (request: Seen) => expect(request.headers.authorization).toBeUndefined(),
    },
  ] as const)('$auth.type ($auth.in) sends the credential the API expects', async ({ auth, check }) => {
    const result = await tool(auth as OutboundAuth).run({}, ctx());

    expect(result.isError).toBeFalsy();
    expect(seen).toHaveLength(1);
    check(seen[0]);
  });

  it('names the secret, never a value, when a secret cannot be read', async () => {
    const result = await tool({ type: 'bearer', token: { ssm: '/not/set' } }).run({}, ctx());

    expect(result.isError).toBe(true);
    expect(text(result)).toBe('t: could not authenticate to the API: secret ssm:/not/set is not set');
    expect(seen).toHaveLength(0);
  });
});

describe('an API that echoes the credential', () => {
  it.each([
    { auth: { type: 'bearer', token: { ssm: '/api/token' } }, path: '/echo' },
    { auth: { type: 'bearer', token: { ssm: '/api/token' } }, path: '/echo-fail' },
    { auth: { type: 'apiKey', in: 'query', name: 'k', value: { secretsManager: 'api/key' } }, path: '/echo-fail' },
  ] as const)('never shows it in the tool result ($auth.type, $path)', async ({ auth, path }) => {
    const result = await tool(auth as OutboundAuth, path).run({}, ctx());

    expect(text(result)).toContain('[redacted]');
    expect(text(result)).not.toMatch(/b3arer-V4lue|k3y-V4lue/);
  });
});

describe("the tool's credential stays with its API", () => {
  let elsewhere: Server;
  let elsewhereOrigin: string;
  let redirecting: Server;
  const received: IncomingMessage['headers'][] = [];
  beforeAll(async () => {
    elsewhere = createServer((req, res) => {
      received.push(req.headers);
      res.end('ok');
    });
    elsewhereOrigin = `http://127.0.0.1:${await listen(elsewhere, 0, 'PORT')}`;
    // An API that sends its callers on to another origin (another host, or http instead of https).
    redirecting = createServer((_req, res) => {
      res.writeHead(302, { location: `${elsewhereOrigin}/collect` });
      res.end();
    });
  });
  afterAll(async () => {
    await close(elsewhere);
    if (redirecting.listening) await close(redirecting);
  });

  it.each([
    { type: 'apiKey', name: 'X-Api-Key', value: { secretsManager: 'api/key' } },
    { type: 'apiKey', in: 'query', name: 'k', value: { secretsManager: 'api/key' } },
    { type: 'bearer', token: { ssm: '/api/token' } },
  ] as const)('refuses a redirect to another origin instead of following it ($type)', async (auth) => {
    const redirectingOrigin = `http://127.0.0.1:${await listen(redirecting, 0, 'PORT')}`;
    const redirected = tool(auth, '/api', { baseUrl: redirectingOrigin });

    const result = await redirected.run({}, ctx());
    await close(redirecting);

    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`not followed, as the request carries the tool's credential`);
    expect(received).toEqual([]);
  });

  it('redacts the start of a credential that a truncated response ends with', async () => {
    // {"got":"Bearer b3arer-V4lue"} cut after "b3arer-V".
    const cut = tool({ type: 'bearer', token: { ssm: '/api/token' } }, '/echo', {
      maxResponseBytes: '{"got":"Bearer b3arer-V'.length,
    });

    const result = await cut.run({}, ctx());

    expect(text(result)).toContain('[truncated');
    expect(text(result)).toContain('Bearer [redacted]');
    expect(text(result)).not.toContain('b3arer-V');
  });
});

describe('client credentials', () => {
  const auth: OutboundAuth = {
    type: 'oauth2ClientCredentials',
    tokenUrl: '',
    clientId: 'client one',
    clientSecret: { secretsManager: 'api/client-secret' },
    scopes: ['read', 'write'],
    audience: 'https://api.example.com',
  };
  const withUrl = (): OutboundAuth => ({ ...auth, tokenUrl: `${origin}/token` }) as OutboundAuth;

  it('fetches one token for many calls, with the client authenticated and scopes and audience sent', async () => {
    const t = tool(withUrl(), '/oauth-api');

    const results = await Promise.all(Array.from({ length: 5 }, () => t.run({}, ctx())));

    expect(results.every((result) => !result.isError)).toBe(true);
    expect(tokenRequests).toHaveLength(1);
    const form = new URLSearchParams(tokenRequests[0].body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'read write',
      audience: 'https://api.example.com',
    });
    const basic = Buffer.from(tokenRequests[0].headers.authorization!.slice('Basic '.length), 'base64').toString();
    expect(basic).toBe(`${encodeURIComponent('client one')}:${encodeURIComponent('cl1ent S3cret&=')}`);
  });

  it('fetches a new token shortly before the old one expires', async () => {
    const t = tool(withUrl(), '/oauth-api');
    await t.run({}, ctx());
    tokenRequests.length = 0;

    now += (tokenLifetime - 30) * 1000; // inside the renewal margin
    const result = await t.run({}, ctx());

    expect(result.isError).toBeFalsy();
    expect(tokenRequests).toHaveLength(1);
  });

  it('retries a 401 once with a new token', async () => {
    const t = tool(withUrl(), '/oauth-api');
    await t.run({}, ctx());
    for (const token of issued.keys()) revoked.add(token);
    tokenRequests.length = 0;
    seen.length = 0;

    const result = await t.run({}, ctx());

    expect(result.isError).toBeFalsy();
    expect(tokenRequests).toHaveLength(1);
    expect(seen).toHaveLength(2);
  });

  it('gives up after one retry when the API keeps refusing, as a tool error with the status', async () => {
    const t = tool(withUrl(), '/oauth-api');
    refuseAll = true;
    try {
      const result = await t.run({}, ctx());

      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/downstream responded 401/);
      expect(seen).toHaveLength(2);
      expect(text(result)).not.toContain('cl1ent');
    } finally {
      refuseAll = false;
    }
  });
});

describe('passthrough', () => {
  it("forwards the caller's Authorization to the tool's own origin on a bearerPassthrough server", async () => {
    await tool({ type: 'passthrough' }).run({}, ctx('bearerPassthrough', 'Bearer caller'));

    expect(seen[0].headers.authorization).toBe('Bearer caller');
  });

  it("sends a tool's own credential instead of the caller's when the tool has one", async () => {
    await tool({ type: 'bearer', token: { ssm: '/api/token' } }).run({}, ctx('bearerPassthrough', 'Bearer caller'));
    await tool({ type: 'none' }).run({}, ctx('bearerPassthrough', 'Bearer caller'));

    expect(seen.map((request) => request.headers.authorization)).toEqual(['Bearer b3arer-V4lue', undefined]);
  });

  it('forwards nothing on other servers', async () => {
    await tool({ type: 'passthrough' }).run({}, ctx('apiKey', 'Bearer caller'));

    expect(seen[0].headers.authorization).toBeUndefined();
  });
});

describe("SigV4 against AWS's published test suite (aws-sig-v4-test-suite)", () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const scope = 'Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';
  it.each([
    {
      name: 'get-vanilla',
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: undefined,
      expected: `${scope}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
    },
    {
      name: 'get-vanilla-query-order-key-case',
      method: 'GET',
      url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1',
      headers: {},
      body: undefined,
      expected: `${scope}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`,
    },
    {
      name: 'post-vanilla',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: undefined,
      expected: `${scope}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
    },
    {
      name: 'post-vanilla-query',
      method: 'POST',
      url: 'https://example.amazonaws.com/?Param1=value1',
      headers: {},
      body: undefined,
      expected: `${scope}, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11`,
    },
    {
      name: 'post-x-www-form-urlencoded',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
      expected: `${scope}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`,
    },
  ] as {
    name: string;
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: string;
    expected: string;
  }[])('$name', async ({ method, url, headers, body, expected }) => {
    const authenticator = createAuthenticator(
      { type: 'sigv4', service: 'service', region: 'us-east-1' },
      { env, secrets: staticSecrets({}), tokens, clock: () => Date.UTC(2015, 7, 30, 12, 36, 0) },
    );

    const signed = await authenticator.apply({ url: new URL(url), method, headers: new Headers(headers), body });

    expect(signed.headers.get('x-amz-date')).toBe('20150830T123600Z');
    expect(signed.headers.get('authorization')).toBe(`AWS4-HMAC-SHA256 ${expected}`);
  });

  it('adds the session token of the role credentials, and fails as a tool error without credentials', async () => {
    const withSession = createAuthenticator(
      { type: 'sigv4', service: 'execute-api', region: 'eu-west-1' },
      { env: { ...env, AWS_SESSION_TOKEN: 'session' }, secrets: staticSecrets({}), tokens },
    );
    const signed = await withSession.apply({
      url: new URL(origin),
      method: 'GET',
      headers: new Headers(),
      body: undefined,
    });
    expect(signed.headers.get('x-amz-security-token')).toBe('session');

    const result = await tool({ type: 'sigv4', service: 'execute-api', region: 'eu-west-1' }).run({}, ctx());
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/sigv4: no AWS region or role credentials/);
  });
});

describe('credentials go over https only (plain http on loopback)', () => {
  it('refuses a literal http base URL at load', () => {
    const server = {
      name: 'clear',
      authMode: 'apiKey' as const,
      tools: [
        {
          kind: 'http' as const,
          name: 't',
          description: 'd',
          baseUrl: 'http://api.example.com',
          auth: { type: 'bearer' as const, token: { ssm: '/api/token' } },
        },
      ],
    };

    expect(() => resolveServers([server])).toThrow(
      'server "clear", tool "t": baseUrl "http://api.example.com" must be an https URL (plain http only on loopback)',
    );
  });

  it('refuses a token URL from the environment that is plain http, as a tool error', async () => {
    const config: HttpToolConfig = {
      kind: 'http',
      name: 't',
      description: 'd',
      baseUrl: origin,
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: { env: 'TOKEN_URL' },
        clientId: 'c',
        clientSecret: { secretsManager: 'api/client-secret' },
      },
    };
    const t = compileHttpTool(config, {
      env: { TOKEN_URL: 'http://auth.example.com/token' },
      logger: createLogger('mcp', { sink: () => undefined }),
      secrets: staticSecrets(SECRETS),
      tokens,
    });

    const result = await t.run({}, ctx());

    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/tokenUrl "http:\/\/auth\.example\.com\/token" must be an https URL/);
    expect(seen).toHaveLength(0);
  });
});
