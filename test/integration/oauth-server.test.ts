import { createHash, randomBytes } from 'node:crypto';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { OAUTH_PATHS, protectedResourceMetadataUrl, resourceUri } from '../../config/oauth';
import { resolveServers } from '../../config/validate';
import { SignedDynamoClient } from '../../lambdas/keys/signed-dynamo-client';
import { SignedDynamoKeyStore } from '../../lambdas/keys/signed-key-store';
import { KeyService } from '../../lambdas/keys/key-service';
import { createOAuthHandler } from '../../lambdas/oauth/handler';
import { accessTokenItemId, GRANTS_TABLE_SCHEMA, LOCAL_GRANTS_TABLE_NAME } from '../../lambdas/oauth/grants-schema';
import { ensureGrantsTable } from '../../lambdas/oauth/grants-table';
import { createLogger } from '../../lambdas/shared/logger';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import {
  ConsentBrowser,
  parseConsentForm,
  TEST_REDIRECT_URL,
  TestOAuthClient,
  type Visit,
} from '../helpers/oauth-client';
import { serveProxyHandler, type ServedHandler } from '../helpers/oauth-server';

const servers = resolveServers([
  { name: 'alpha', authMode: 'oauth', tools: ['echo'] },
  { name: 'beta', authMode: 'oauth', tools: ['echo'] },
  { name: 'plain', authMode: 'apiKey', tools: ['echo'] },
  { name: 'tenant', authMode: 'oauth', tools: ['echo'], routes: ['/t/{tenant}/mcp'] },
]);

let dynamo: EmbeddedDynamo;
let served: ServedHandler;
let issuer: string;
let keys: KeyService;
const logLines: string[] = [];
/** Every secret the tests see: none may be stored. */
const secrets = new Set<string>();

const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');
const alphaUrl = () => resourceUri(issuer, '/alpha/mcp');
const betaUrl = () => resourceUri(issuer, '/beta/mcp');

async function newKey(server: string): Promise<{ apiKey: string; keyId: string }> {
  const { apiKey, record } = await keys.create({ server });
  secrets.add(apiKey);
  return { apiKey, keyId: record.keyId };
}

/**
 * Both tables as the deployed function reaches them: the signed client, no AWS SDK. The local
 * stack's way, the SDK's client, runs the same flows in test/e2e/oauth.test.ts; both pass the
 * grants table's own tests in grants-dynamo.test.ts.
 */
function asDeployed() {
  // A generous request timeout: a conditional write that times out after it landed would be
  // retried and refused, which a busy test machine must not turn into a "code reused" failure.
  const client = new SignedDynamoClient({ endpoint: dynamo.endpoint, env: {}, requestTimeoutMs: 10_000 });
  return {
    keyStore: new SignedDynamoKeyStore(client, dynamo.tableName),
    grants: { transport: client, tableName: LOCAL_GRANTS_TABLE_NAME },
  };
}

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo('oauth-keys');
  await ensureGrantsTable(dynamo.client, LOCAL_GRANTS_TABLE_NAME);
  keys = new KeyService({ store: dynamo.store, servers });
  served = await serveProxyHandler((origin) =>
    createOAuthHandler({
      issuer: origin,
      servers,
      ...asDeployed(),
      cookieKeys: [randomBytes(32).toString('base64url')],
      logger: createLogger('oauth', { sink: (line) => logLines.push(line) }),
    }),
  );
  issuer = served.origin;
});

afterAll(async () => {
  await served?.close();
  await dynamo?.close();
});

function keep<T extends { access_token?: string; refresh_token?: string } | undefined>(tokens: T): T {
  if (tokens?.access_token) secrets.add(tokens.access_token);
  if (tokens?.refresh_token) secrets.add(tokens.refresh_token);
  return tokens;
}

async function tokenRequest(
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await response.json()) as Record<string, string>;
  keep(body);
  return { status: response.status, body };
}

/** The token request that exchanges `code` with its PKCE verifier, as a public client makes it. */
function codeExchange(
  code: string,
  verifier: string,
  clientId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: TEST_REDIRECT_URL,
    client_id: clientId,
    ...extra,
  };
}

async function register(metadata: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const response = await fetch(`${issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Raw client',
      redirect_uris: [TEST_REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    }),
  });
  expect(response.status).toBe(201);
  const client = (await response.json()) as Record<string, string>;
  if (client.client_secret) secrets.add(client.client_secret);
  return client;
}

/** An authorization request as a client builds it, with PKCE S256 unless `extra` changes it. */
function authorizationUrl(clientId: string, extra: Record<string, string | undefined> = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const params: Record<string, string | undefined> = {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: TEST_REDIRECT_URL,
    scope: 'mcp',
    state: 'state-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    resource: alphaUrl(),
    ...extra,
  };
  const url = new URL(`${issuer}/oauth/authorize`);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return { url, verifier };
}

/** A person opens the authorization URL and approves with `apiKey`. */
async function approve(url: URL, apiKey: string): Promise<Visit> {
  const browser = new ConsentBrowser();
  const { page } = await browser.follow(url.href);
  expect(page.status).toBe(200);
  const visit = await browser.submit(parseConsentForm(page), apiKey, 'approve');
  const code = visit.redirectedTo?.searchParams.get('code');
  if (code) secrets.add(code);
  return visit;
}

async function codeFor(clientId: string, apiKey: string, extra: Record<string, string> = {}) {
  const { url, verifier } = authorizationUrl(clientId, extra);
  const visit = await approve(url, apiKey);
  const code = visit.redirectedTo?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${visit.redirectedTo?.href ?? visit.page.html.slice(0, 300)}`);
  return { code, verifier };
}

async function grantsItem(id: string): Promise<Record<string, unknown> | undefined> {
  const out = await dynamo.client.send(
    new GetCommand({ TableName: LOCAL_GRANTS_TABLE_NAME, Key: { id }, ConsistentRead: true }),
  );
  return out.Item;
}

describe('discovery', () => {
  it("serves each oauth server's protected-resource metadata at its path-inserted URL, and the first at the root", async () => {
    for (const [path, route] of [
      [new URL(protectedResourceMetadataUrl(issuer, '/alpha/mcp')).pathname, '/alpha/mcp'],
      [new URL(protectedResourceMetadataUrl(issuer, '/beta/mcp')).pathname, '/beta/mcp'],
      [OAUTH_PATHS.protectedResourceMetadata, '/alpha/mcp'],
    ]) {
      const response = await fetch(`${issuer}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: resourceUri(issuer, route),
        authorization_servers: [issuer],
        scopes_supported: ['mcp'],
        bearer_methods_supported: ['header'],
        resource_name: route.split('/')[1],
      });
    }
  });

  it('serves no metadata for a server of another mode, nor for unknown paths', async () => {
    for (const path of [
      `${OAUTH_PATHS.protectedResourceMetadata}/plain/mcp`,
      `${OAUTH_PATHS.protectedResourceMetadata}/nothing/mcp`,
      '/elsewhere',
    ]) {
      expect((await fetch(`${issuer}${path}`)).status).toBe(404);
    }
  });

  it('serves the same authorization-server metadata under both well-known names: S256 only, endpoints under /oauth', async () => {
    const a = (await (await fetch(`${issuer}${OAUTH_PATHS.authorizationServerMetadata}`)).json()) as Record<
      string,
      unknown
    >;
    const b = await (await fetch(`${issuer}${OAUTH_PATHS.openidConfiguration}`)).json();
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      registration_endpoint: `${issuer}/oauth/register`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    expect(a.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['none', 'client_secret_basic', 'client_secret_post']),
    );
    expect(a.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
  });
});

describe("the official SDK client's auth()", () => {
  const client = new TestOAuthClient();
  let keyId: string;
  let firstRefreshToken: string;

  it('discovers, registers and sends the person to the consent page with resource, S256 and scope mcp', async () => {
    const result = await auth(client, { serverUrl: alphaUrl() });
    expect(result).toBe('REDIRECT');
    const url = client.authorizationUrl!;
    expect(url.origin + url.pathname).toBe(`${issuer}/oauth/authorize`);
    expect(url.searchParams.get('resource')).toBe(alphaUrl());
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toBe('mcp');
  });

  it('shows a form with the client, the redirect host and the server, framed by nobody and cached by nobody', async () => {
    const browser = new ConsentBrowser();
    const { page } = await browser.follow(client.authorizationUrl!.href);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.html).toContain('Test MCP client');
    expect(page.html).toContain(new URL(TEST_REDIRECT_URL).host);
    expect(page.html).toContain('alpha');
    const form = parseConsentForm(page);
    expect(form.action).toBe(`${issuer}${new URL(page.url).pathname}`);
    expect(Object.keys(form.fields)).toEqual(['csrf']);
    expect(form.buttons.map((b) => b.label)).toEqual(['Approve', 'Deny']);
    expect(page.html).toMatch(/<label for="api_key">API key for alpha<\/label>/);
  });

  it('gets a code for an approved key, and auth() exchanges it for tokens bound to the key and the server', async () => {
    const key = await newKey('alpha');
    keyId = key.keyId;
    const visit = await approve(client.authorizationUrl!, key.apiKey);
    expect(visit.redirectedTo?.origin + visit.redirectedTo!.pathname).toBe(TEST_REDIRECT_URL);
    const code = visit.redirectedTo!.searchParams.get('code')!;
    expect(visit.redirectedTo!.searchParams.get('iss')).toBe(issuer);

    expect(await auth(client, { serverUrl: alphaUrl(), authorizationCode: code })).toBe('AUTHORIZED');
    const tokens = keep(client.tokens())!;
    expect(tokens).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), scope: 'mcp', expires_in: 3600 });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    firstRefreshToken = tokens.refresh_token!;

    const item = await grantsItem(accessTokenItemId(sha256Hex(tokens.access_token)));
    expect(item).toMatchObject({ keyId, server: 'alpha', clientId: client.clientId });
    expect(item!.expiresAt).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(item!.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 3600);

    const grants = await dynamo.client.send(
      new QueryCommand({
        TableName: LOCAL_GRANTS_TABLE_NAME,
        IndexName: GRANTS_TABLE_SCHEMA.keyIdIndex,
        KeyConditionExpression: 'keyId = :k',
        ExpressionAttributeValues: { ':k': keyId },
      }),
    );
    const grantItems = (grants.Items ?? []).filter((i) => String(i.id).startsWith('Grant:'));
    expect(grantItems).toHaveLength(1);
    expect(grantItems[0].expiresAt).toEqual(expect.any(Number));
  });

  it('refreshes with rotation; the old refresh token then fails and ends the whole grant', async () => {
    const before = client.tokens()!;
    expect(await auth(client, { serverUrl: alphaUrl() })).toBe('AUTHORIZED');
    const after = keep(client.tokens())!;
    expect(after.refresh_token).toEqual(expect.any(String));
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.access_token).not.toBe(before.access_token);
    expect(await grantsItem(accessTokenItemId(sha256Hex(after.access_token)))).toMatchObject({
      keyId,
      server: 'alpha',
    });

    const reuse = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: firstRefreshToken,
      client_id: client.clientId!,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');

    const newest = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: after.refresh_token!,
      client_id: client.clientId!,
    });
    expect(newest.status).toBe(400);
    expect(newest.body.error).toBe('invalid_grant');
    expect(await grantsItem(accessTokenItemId(sha256Hex(after.access_token)))).toBeUndefined();
  });
});

describe('the consent page', () => {
  let clientId: string;
  beforeAll(async () => {
    clientId = (await register()).client_id;
  });

  it.each([
    ['an unknown key', async () => 'mcpg_' + 'W'.repeat(32), /not an API key for alpha/],
    ['a key of another oauth server', async () => (await newKey('beta')).apiKey, /for another server, not alpha/],
    ['a key of an apiKey server', async () => (await newKey('plain')).apiKey, /for another server, not alpha/],
    [
      'a revoked key',
      async () => {
        const key = await newKey('alpha');
        await keys.revoke(key.keyId);
        return key.apiKey;
      },
      /revoked/,
    ],
    [
      'an expired key',
      async () => {
        const key = await newKey('alpha');
        const record = await dynamo.store.getByKeyId(key.keyId);
        await dynamo.store.setExpiry(record!.digest, Math.floor(Date.now() / 1000) - 1);
        return key.apiKey;
      },
      /expired/,
    ],
    ['no key', async () => '', /Enter the API key for alpha/],
  ])('shows the form again for %s, with a message and no code', async (_, keyOf, message) => {
    const apiKey = await keyOf();
    const { url } = authorizationUrl(clientId);

    const visit = await approve(url, apiKey);

    expect(visit.redirectedTo).toBeUndefined();
    expect(visit.page.status).toBe(400);
    expect(visit.page.location).toBeUndefined();
    if (apiKey) expect(visit.page.html).not.toContain(apiKey);
    expect(parseConsentForm(visit.page).message).toMatch(message);
  });

  it('still takes the right key after a wrong one', async () => {
    const { url } = authorizationUrl(clientId);
    const browser = new ConsentBrowser();
    const { page } = await browser.follow(url.href);
    const wrong = await browser.submit(parseConsentForm(page), (await newKey('beta')).apiKey);
    expect(wrong.redirectedTo).toBeUndefined();

    const right = await browser.submit(parseConsentForm(wrong.page), (await newKey('alpha')).apiKey);

    expect(right.redirectedTo?.searchParams.get('code')).toEqual(expect.any(String));
    secrets.add(right.redirectedTo!.searchParams.get('code')!);
  });

  it('refuses a post without the CSRF token of the page', async () => {
    const { url } = authorizationUrl(clientId);
    const browser = new ConsentBrowser();
    const { page } = await browser.follow(url.href);
    const form = parseConsentForm(page);
    const { apiKey } = await newKey('alpha');

    for (const csrf of ['', 'x'.repeat(43)]) {
      const visit = await browser.submit({ ...form, fields: { csrf } }, apiKey);
      expect(visit.redirectedTo).toBeUndefined();
      expect(visit.page.status).toBe(403);
    }
  });

  it('refuses a post from another browser (no interaction cookie)', async () => {
    const { url } = authorizationUrl(clientId);
    const { page } = await new ConsentBrowser().follow(url.href);
    const visit = await new ConsentBrowser().submit(parseConsentForm(page), (await newKey('alpha')).apiKey);
    expect(visit.redirectedTo).toBeUndefined();
    expect(visit.page.status).toBe(400);
  });

  it('sends access_denied to the registered redirect URI on Deny', async () => {
    const { url } = authorizationUrl(clientId);
    const browser = new ConsentBrowser();
    const { page } = await browser.follow(url.href);

    const visit = await browser.submit(parseConsentForm(page), '', 'deny');

    expect(visit.redirectedTo?.origin + visit.redirectedTo!.pathname).toBe(TEST_REDIRECT_URL);
    expect(visit.redirectedTo!.searchParams.get('error')).toBe('access_denied');
    expect(visit.redirectedTo!.searchParams.get('state')).toBe('state-1');
    expect(visit.redirectedTo!.searchParams.get('code')).toBeNull();
  });
});

describe('the authorization and token endpoints', () => {
  let clientId: string;
  let apiKey: string;
  beforeAll(async () => {
    clientId = (await register()).client_id;
    apiKey = (await newKey('alpha')).apiKey;
  });

  async function redirectOf(extra: Record<string, string | undefined>): Promise<Visit> {
    return new ConsentBrowser().follow(authorizationUrl(clientId, extra).url.href);
  }

  it.each([
    ['without PKCE', { code_challenge: undefined, code_challenge_method: undefined }],
    ['with PKCE plain', { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }],
  ])('answers invalid_request %s, at the redirect URI and without a code', async (_, extra) => {
    const visit = await redirectOf(extra);
    expect(visit.redirectedTo?.searchParams.get('error')).toBe('invalid_request');
    expect(visit.redirectedTo?.searchParams.get('code')).toBeNull();
  });

  it.each([
    ['an apiKey server', () => resourceUri(issuer, '/plain/mcp')],
    ['another origin', () => 'https://mcp.example.com/alpha/mcp'],
    ['no server', () => resourceUri(issuer, '/nothing/mcp')],
    ['no resource', () => undefined],
  ])('answers invalid_target for the resource of %s', async (_, resource) => {
    const visit = await redirectOf({ resource: resource() });
    expect(visit.redirectedTo?.searchParams.get('error')).toBe('invalid_target');
    expect(visit.redirectedTo?.searchParams.get('code')).toBeNull();
  });

  it('shows an error page, and redirects nowhere, for an unregistered redirect URI', async () => {
    const visit = await redirectOf({ redirect_uri: 'https://attacker.example/callback' });
    expect(visit.redirectedTo).toBeUndefined();
    expect(visit.page.status).toBe(400);
    expect(visit.page.location).toBeUndefined();
    expect(visit.page.html).toContain('invalid_redirect_uri');
    expect(visit.page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it.each([
    ['an http URL', 'http://client.example/oauth-client.json'],
    ['a private address', 'https://127.0.0.1:1/oauth-client.json'],
  ])('refuses a client ID metadata document at %s, redirecting nowhere', async (_, clientIdUrl) => {
    const visit = await new ConsentBrowser().follow(authorizationUrl(clientIdUrl).url.href);
    expect(visit.redirectedTo).toBeUndefined();
    expect(visit.page.status).toBe(400);
    expect(visit.page.html).toContain('invalid_client');
  });

  it('refuses a code used twice (invalid_grant) and ends the tokens it gave', async () => {
    const { code, verifier } = await codeFor(clientId, apiKey);
    const exchange = {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: TEST_REDIRECT_URL,
      client_id: clientId,
      resource: alphaUrl(),
    };
    const first = await tokenRequest(exchange);
    expect(first.status).toBe(200);

    const again = await tokenRequest(exchange);

    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect(await grantsItem(accessTokenItemId(sha256Hex(first.body.access_token)))).toBeUndefined();
  });

  it('refuses a wrong code verifier', async () => {
    const { code } = await codeFor(clientId, apiKey);
    const response = await tokenRequest(codeExchange(code, randomBytes(32).toString('base64url'), clientId));
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
  });

  it('answers invalid_target when the token request names another oauth server', async () => {
    const { code, verifier } = await codeFor(clientId, apiKey);
    const response = await tokenRequest(codeExchange(code, verifier, clientId, { resource: betaUrl() }));
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_target');
  });

  it('lets one of two concurrent refreshes with the same token win, and then ends the grant', async () => {
    const { code, verifier } = await codeFor(clientId, apiKey);
    const tokens = await tokenRequest(codeExchange(code, verifier, clientId));
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: clientId };

    const answers = await Promise.all([tokenRequest(refresh), tokenRequest(refresh)]);

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 400]);
    const winner = answers.find((answer) => answer.status === 200)!;
    const loser = answers.find((answer) => answer.status === 400)!;
    expect(loser.body.error).toBe('invalid_grant');
    const afterwards = await tokenRequest({ ...refresh, refresh_token: winner.body.refresh_token });
    expect(afterwards.body.error).toBe('invalid_grant');
  });

  it('binds a token to a server of {param} routes through the concrete resource its metadata names', async () => {
    const { apiKey: tenantKey, keyId } = await newKey('tenant');
    const resource = resourceUri(issuer, '/t/acme/mcp');
    const metadata = (await (await fetch(protectedResourceMetadataUrl(issuer, '/t/acme/mcp'))).json()) as {
      resource: string;
    };
    expect(metadata.resource).toBe(resource);
    const { code, verifier } = await codeFor(clientId, tenantKey, { resource });

    const tokens = await tokenRequest(codeExchange(code, verifier, clientId));

    expect(tokens.status).toBe(200);
    expect(await grantsItem(accessTokenItemId(sha256Hex(tokens.body.access_token)))).toMatchObject({
      keyId,
      server: 'tenant',
    });
  });

  it('stops refreshing once the key behind the grant is revoked', async () => {
    const key = await newKey('alpha');
    const { code, verifier } = await codeFor(clientId, key.apiKey);
    const tokens = await tokenRequest(codeExchange(code, verifier, clientId));
    expect(tokens.status).toBe(200);

    await keys.revoke(key.keyId);
    const refresh = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      client_id: clientId,
    });

    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('authenticates a confidential client with client_secret_basic and client_secret_post, and refuses a wrong secret', async () => {
    const confidential = await register({ token_endpoint_auth_method: 'client_secret_basic' });
    expect(confidential.client_secret).toEqual(expect.any(String));
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`${encodeURIComponent(confidential.client_id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

    const { code, verifier } = await codeFor(confidential.client_id, apiKey);
    const exchange = {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: TEST_REDIRECT_URL,
    };
    const wrong = await tokenRequest(exchange, { authorization: basic('not-the-secret') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const right = await tokenRequest(exchange, { authorization: basic(confidential.client_secret) });
    expect(right.status).toBe(200);

    const post = await register({ token_endpoint_auth_method: 'client_secret_post' });
    const second = await codeFor(post.client_id, apiKey);
    const viaPost = await tokenRequest({
      grant_type: 'authorization_code',
      code: second.code,
      code_verifier: second.verifier,
      redirect_uri: TEST_REDIRECT_URL,
      client_id: post.client_id,
      client_secret: post.client_secret,
    });
    expect(viaPost.status).toBe(200);
  });
});

describe('behind https', () => {
  it('sets Secure, HttpOnly cookies, each in its own Set-Cookie value', async () => {
    const origin = 'https://mcp.example.com';
    const handler = createOAuthHandler({
      issuer: origin,
      servers,
      ...asDeployed(),
      cookieKeys: [randomBytes(32).toString('base64url')],
      logger: createLogger('oauth', { sink: (line) => logLines.push(line) }),
    });
    const proxyEvent = (method: string, path: string, extra: Record<string, unknown>) =>
      ({
        httpMethod: method,
        path,
        headers: {},
        multiValueHeaders: {},
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        body: null,
        isBase64Encoded: false,
        requestContext: { requestId: 'r', identity: { sourceIp: '198.51.100.7' } },
        ...extra,
      }) as unknown as APIGatewayProxyEvent;
    const registered = await handler(
      proxyEvent('POST', '/oauth/register', {
        multiValueHeaders: { 'Content-Type': ['application/json'] },
        body: JSON.stringify({ redirect_uris: [TEST_REDIRECT_URL], token_endpoint_auth_method: 'none' }),
      }),
    );
    expect(registered.statusCode).toBe(201);
    const clientId = (JSON.parse(registered.body) as { client_id: string }).client_id;
    const query = {
      client_id: clientId,
      response_type: 'code',
      redirect_uri: TEST_REDIRECT_URL,
      code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'),
      code_challenge_method: 'S256',
      resource: `${origin}/alpha/mcp`,
    };

    const answer = await handler(
      proxyEvent('GET', '/oauth/authorize', {
        queryStringParameters: query,
        multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
      }),
    );

    expect(answer.statusCode).toBe(303);
    expect(answer.headers?.location).toMatch(new RegExp(`^${origin}/oauth/interaction/[\\w-]+$`));
    const cookies = answer.multiValueHeaders?.['set-cookie'] ?? [];
    expect(cookies.length).toBeGreaterThanOrEqual(2);
    for (const cookie of cookies)
      expect(String(cookie)).toMatch(/;\s*secure\b.*;\s*httponly\b|;\s*httponly\b.*;\s*secure\b/i);
  });
});

describe('what is stored', () => {
  it('forgets a registered client 90 days after it registered', async () => {
    const client = await register();
    const item = await dynamo.client.send(
      new GetCommand({ TableName: LOCAL_GRANTS_TABLE_NAME, Key: { id: `Client:${sha256Hex(client.client_id)}` } }),
    );
    const expiresAt = Number(item.Item?.expiresAt);
    const expected = Math.floor(Date.now() / 1000) + 90 * 24 * 3600;
    expect(Math.abs(expiresAt - expected)).toBeLessThanOrEqual(5);
  });

  it('holds no token, code, client secret or API key: only their hashes', async () => {
    expect(secrets.size).toBeGreaterThan(20);
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await dynamo.client.send(
        new ScanCommand({ TableName: LOCAL_GRANTS_TABLE_NAME, ExclusiveStartKey: startKey }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    expect(items.length).toBeGreaterThan(10);
    const text = JSON.stringify(items);
    for (const secret of secrets) expect(text).not.toContain(secret);
    for (const item of items) expect(String(item.id)).toMatch(/^[A-Za-z]+:[0-9a-f]{64}$/);
  });

  it('logs no secret', () => {
    const text = logLines.join('\n');
    expect(logLines.some((line) => line.includes('oauth consent approved'))).toBe(true);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
