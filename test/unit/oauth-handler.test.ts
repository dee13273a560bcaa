import type { APIGatewayProxyEvent } from 'aws-lambda';
import { OAUTH_PATHS } from '../../config/oauth';
import { resolveServers } from '../../config/validate';
import type { DynamoTransport } from '../../lambdas/keys/dynamo-json';
import { MemoryKeyStore } from '../../lambdas/keys/memory-key-store';
import { createOAuthHandler, oauthHandlerFromEnv, type OAuthServerOptions } from '../../lambdas/oauth/handler';
import { protectedResourceMetadata } from '../../lambdas/oauth/metadata';
import { escapeHtml, renderConsentPage } from '../../lambdas/oauth/pages';
import { oauthServerForResource } from '../../lambdas/oauth/resources';
import { readOAuthSettings } from '../../lambdas/oauth/settings';
import { ConfigError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';
import { loadEvent } from '../helpers/events';

const ISSUER = 'https://mcp.example.com';
const servers = resolveServers([
  { name: 'open', authMode: 'none', tools: ['echo'] },
  { name: 'keyed', authMode: 'apiKey', tools: ['echo'] },
  { name: 'first', authMode: 'oauth', tools: ['echo'], routes: ['/first/mcp', '/v2/first/mcp'] },
  { name: 'second', authMode: 'oauth', tools: ['echo'] },
  { name: 'tenant', authMode: 'oauth', tools: ['echo'], routes: ['/t/{tenant}/mcp'] },
]);

/** A DynamoDB that is down: every call fails. */
const downTransport: DynamoTransport = {
  send: async () => {
    throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
  },
};

function options(overrides: Partial<OAuthServerOptions> = {}, logs: string[] = []): OAuthServerOptions {
  return {
    issuer: ISSUER,
    servers,
    keyStore: new MemoryKeyStore(),
    grants: { transport: downTransport, tableName: 'grants' },
    cookieKeys: ['k'.repeat(32)],
    logger: createLogger('oauth', { sink: (line) => logs.push(line) }),
    ...overrides,
  };
}

function event(method: string, path: string, extra: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: '/{proxy+}',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', identity: { sourceIp: '203.0.113.9' } },
    ...extra,
  } as unknown as APIGatewayProxyEvent;
}

describe('createOAuthHandler configuration', () => {
  it.each(['https://mcp.example.com/', 'https://mcp.example.com/base', 'ftp://mcp.example.com', 'mcp.example.com', ''])(
    'refuses the issuer %p: it must be a bare http(s) origin',
    (issuer) => {
      expect(() => createOAuthHandler(options({ issuer }))).toThrow(ConfigError);
    },
  );

  it.each([[[]], [['short']], [['k'.repeat(32), 'short']]])('refuses cookie keys %p', (cookieKeys) => {
    expect(() => createOAuthHandler(options({ cookieKeys }))).toThrow(ConfigError);
  });

  it('reads its settings from the environment, naming a missing variable', () => {
    const env = {
      OAUTH_ISSUER: ISSUER,
      GRANTS_TABLE_NAME: 'g',
      KEYS_TABLE_NAME: 'k',
      OAUTH_COOKIE_KEYS: ' one , two ,',
    };
    expect(readOAuthSettings(env)).toEqual({
      issuer: ISSUER,
      grantsTableName: 'g',
      keysTableName: 'k',
      endpoint: undefined,
      cookieKeys: ['one', 'two'],
    });
    expect(() => readOAuthSettings({ ...env, OAUTH_COOKIE_KEYS: '' })).toThrow(/OAUTH_COOKIE_KEYS/);
    expect(() => readOAuthSettings({ ...env, OAUTH_ISSUER: undefined })).toThrow(/OAUTH_ISSUER/);
  });
});

describe('protected-resource metadata', () => {
  it.each([
    [OAUTH_PATHS.protectedResourceMetadata, 'first', '/first/mcp'],
    [`${OAUTH_PATHS.protectedResourceMetadata}/first/mcp`, 'first', '/first/mcp'],
    [`${OAUTH_PATHS.protectedResourceMetadata}/v2/first/mcp`, 'first', '/v2/first/mcp'],
    [`${OAUTH_PATHS.protectedResourceMetadata}/second/mcp`, 'second', '/second/mcp'],
    [`${OAUTH_PATHS.protectedResourceMetadata}/t/acme/mcp`, 'tenant', '/t/acme/mcp'],
  ])('%s describes %s at %s', (path, name, route) => {
    expect(protectedResourceMetadata(servers, ISSUER, path)).toEqual({
      resource: `${ISSUER}${route}`,
      authorization_servers: [ISSUER],
      scopes_supported: ['mcp'],
      bearer_methods_supported: ['header'],
      resource_name: name,
    });
  });

  it.each([
    `${OAUTH_PATHS.protectedResourceMetadata}/open/mcp`,
    `${OAUTH_PATHS.protectedResourceMetadata}/keyed/mcp`,
    `${OAUTH_PATHS.protectedResourceMetadata}/first`,
    `${OAUTH_PATHS.protectedResourceMetadata}/first/mcp/`,
    `${OAUTH_PATHS.protectedResourceMetadata}x/first/mcp`,
    `${OAUTH_PATHS.protectedResourceMetadata}/t/mcp`,
    `${OAUTH_PATHS.protectedResourceMetadata}/t//mcp`,
  ])('has nothing at %s', (path) => {
    expect(protectedResourceMetadata(servers, ISSUER, path)).toBeUndefined();
  });

  it('describes at the root the first oauth server with a route without {param}', () => {
    const templatedFirst = [
      ...servers.filter((server) => server.name === 'tenant'),
      ...servers.filter((server) => server.name !== 'tenant'),
    ];
    expect(protectedResourceMetadata(templatedFirst, ISSUER, OAUTH_PATHS.protectedResourceMetadata)?.resource).toBe(
      `${ISSUER}/first/mcp`,
    );
  });

  it('has no root document without an oauth server', () => {
    const plain = servers.filter((server) => server.authMode !== 'oauth');
    expect(protectedResourceMetadata(plain, ISSUER, OAUTH_PATHS.protectedResourceMetadata)).toBeUndefined();
  });

  it('is served as JSON with CORS; other methods are refused', async () => {
    const handler = createOAuthHandler(options());
    const path = `${OAUTH_PATHS.protectedResourceMetadata}/second/mcp`;

    const get = await handler(event('GET', path));
    expect(get.statusCode).toBe(200);
    expect(get.headers).toMatchObject({ 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
    expect(JSON.parse(get.body).resource).toBe(`${ISSUER}/second/mcp`);
    expect((await handler(event('OPTIONS', path))).statusCode).toBe(204);
    expect((await handler(event('POST', path))).statusCode).toBe(405);
    expect((await handler(event('GET', `${OAUTH_PATHS.protectedResourceMetadata}/keyed/mcp`))).statusCode).toBe(404);
  });
});

describe('oauthServerForResource', () => {
  it.each([
    [`${ISSUER}/first/mcp`, 'first'],
    [`${ISSUER}/v2/first/mcp`, 'first'],
    [`${ISSUER}/t/acme/mcp`, 'tenant'],
    [`${ISSUER}/keyed/mcp`, undefined],
    [`${ISSUER}/open/mcp`, undefined],
    [`${ISSUER}/first/mcp?x=1`, undefined],
    [`${ISSUER}/first/mcp#f`, undefined],
    [`${ISSUER}/t/acme/mcp?x=1`, undefined],
    [`${ISSUER}/t//mcp`, undefined],
    ['https://other.example.com/first/mcp', undefined],
    [`${ISSUER}.evil.example/first/mcp`, undefined],
    [ISSUER, undefined],
  ])('%s names %p', (resource, name) => {
    expect(oauthServerForResource(servers, ISSUER, resource)?.name).toBe(name);
  });
});

describe('the handler', () => {
  it('builds every endpoint URL from the issuer, whatever Host the request carries', async () => {
    const handler = createOAuthHandler(options());
    const answer = await handler(
      event('GET', OAUTH_PATHS.authorizationServerMetadata, {
        headers: { Host: 'attacker.example' },
        multiValueHeaders: { Host: ['attacker.example'] },
      }),
    );
    expect(answer.statusCode).toBe(200);
    const metadata = JSON.parse(answer.body);
    expect(metadata.issuer).toBe(ISSUER);
    expect(answer.body).not.toContain('attacker.example');
    expect(metadata.authorization_endpoint).toBe(`${ISSUER}/oauth/authorize`);
  });

  it('answers 404 outside its paths', async () => {
    const handler = createOAuthHandler(options());
    for (const path of ['/', '/first/mcp', '/oauthx', '/.well-known/other']) {
      const answer = await handler(event('GET', path));
      expect(answer.statusCode).toBe(404);
    }
  });

  it('answers a grants-store outage with a 5xx, logged without request data, never a stack trace', async () => {
    const logs: string[] = [];
    const handler = createOAuthHandler(options({}, logs));
    const answer = await handler(
      event('POST', '/oauth/register', {
        headers: { 'content-type': 'application/json' },
        multiValueHeaders: { 'content-type': ['application/json'] },
        body: JSON.stringify({ redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' }),
      }),
    );
    expect(answer.statusCode).toBeGreaterThanOrEqual(500);
    expect(answer.body).not.toMatch(/\n\s+at /);
    expect(logs.join('\n')).toMatch(/GrantsStoreUnavailableError/);
  });

  it('shows an error page for a consent page without its interaction cookie', async () => {
    const handler = createOAuthHandler(options());
    const answer = await handler(event('GET', '/oauth/interaction/abc123'));
    expect(answer.statusCode).toBe(400);
    expect(answer.headers).toMatchObject({ 'x-frame-options': 'DENY', 'cache-control': 'no-store' });
    expect(answer.body).toContain('expired');
  });

  it('refuses an oversized consent form', async () => {
    const handler = createOAuthHandler(options());
    const answer = await handler(event('POST', '/oauth/interaction/abc123', { body: 'a'.repeat(9000) }));
    expect(answer.statusCode).toBe(413);
  });
});

describe('the consent page', () => {
  it('escapes what a client registered', () => {
    const page = renderConsentPage({
      action: 'https://mcp.example.com/oauth/interaction/u1',
      csrfToken: 't"><script>',
      clientName: '<img src=x onerror=alert(1)>',
      redirectHost: 'evil.example"',
      serverName: 'first',
    });
    expect(page.body).not.toContain('<img');
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain(escapeHtml('<img src=x onerror=alert(1)>'));
    expect(page.headers['Content-Security-Policy']).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
  });
});

describe('behind the custom domain on AWS', () => {
  // Fixtures as API Gateway sends them through the domain's mappings: the base path (`oauth`,
  // `.well-known`) is stripped to match the API's resource, and kept in `path`.
  const authorize = () => loadEvent<APIGatewayProxyEvent>('oauth-authorize-custom-domain.json');
  const metadata = () => loadEvent<APIGatewayProxyEvent>('oauth-metadata-custom-domain.json');

  it('serves the authorization-server metadata the `.well-known` mapping passes on', async () => {
    // Arrange
    const handle = createOAuthHandler(options());
    // Act
    const response = await handle(metadata());
    // Assert
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}${OAUTH_PATHS.endpointPrefix}/authorize`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('routes a request of the `oauth` mapping (resource /{proxy+}) to its endpoint', async () => {
    // Arrange: an authorization request without client_id, which the endpoint itself refuses.
    const handle = createOAuthHandler(options());
    // Act
    const response = await handle(authorize());
    // Assert
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/client_id/);
  });
});

describe('oauthHandlerFromEnv', () => {
  const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:OAuthCookieSecret-AbCdEf';
  const env = { OAUTH_ISSUER: ISSUER, GRANTS_TABLE_NAME: 'g', KEYS_TABLE_NAME: 'k' };
  const metadata = () => loadEvent<APIGatewayProxyEvent>('oauth-metadata-custom-domain.json');

  it('reads the cookie keys from the secret OAUTH_COOKIE_SECRET_ARN names, once, at start', async () => {
    // Arrange
    const read = jest.fn(async () => 'c'.repeat(64));
    // Act
    const handle = await oauthHandlerFromEnv({ ...env, OAUTH_COOKIE_SECRET_ARN: SECRET_ARN }, read);
    const response = await handle(metadata());
    // Assert
    expect(read).toHaveBeenCalledTimes(1);
    expect(read).toHaveBeenCalledWith(SECRET_ARN);
    expect(response.statusCode).toBe(200);
  });

  it('keeps OAUTH_COOKIE_KEYS when set, reading no secret', async () => {
    // Arrange
    const read = jest.fn(async () => 'c'.repeat(64));
    // Act
    await oauthHandlerFromEnv({ ...env, OAUTH_COOKIE_KEYS: 'k'.repeat(32), OAUTH_COOKIE_SECRET_ARN: SECRET_ARN }, read);
    // Assert
    expect(read).not.toHaveBeenCalled();
  });

  it.each([
    ['neither variable', {}, async () => 'c'.repeat(64), /OAUTH_COOKIE_KEYS.*OAUTH_COOKIE_SECRET_ARN/],
    ['an empty secret', { OAUTH_COOKIE_SECRET_ARN: SECRET_ARN }, async () => ' , ', /no cookie keys/],
    ['a short key in the secret', { OAUTH_COOKIE_SECRET_ARN: SECRET_ARN }, async () => 'short', /at least 32/],
  ])('refuses %s with a ConfigError', async (_, extra, read, message) => {
    await expect(oauthHandlerFromEnv({ ...env, ...extra }, read)).rejects.toThrow(ConfigError);
    await expect(oauthHandlerFromEnv({ ...env, ...extra }, read)).rejects.toThrow(message);
  });
});
