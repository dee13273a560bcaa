import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { serverUrl } from '../../config/client-config';
import { OAUTH_PATHS, oauthChallenge, protectedResourceMetadataUrl } from '../../config/oauth';
import { resolveServers } from '../../config/validate';
import { GATEWAY_RESPONSES, OAUTH_UNAUTHORIZED } from '../../lib/gateway-responses';
import { createDocumentClient } from '../../lambdas/keys/dynamo-client';
import { GRANTS_TABLE_SCHEMA } from '../../lambdas/oauth/grants-schema';
import { banner } from '../../local/cli';
import type { LocalStack } from '../../local/stack';
import { startTestStack, withLocalGateway } from '../helpers/local-stack';
import { textOf } from '../helpers/mcp-client';
import { ConsentBrowser, parseConsentForm, TestOAuthClient, TEST_REDIRECT_URL } from '../helpers/oauth-client';

const TTL_SECONDS = 1;
/** How far the stack's clock runs ahead of the real one: tests move it instead of waiting. */
let clockOffsetMs = 0;
const SERVER = 'demo-oauth';
const ROUTE = '/demo-oauth/mcp';

let stack: LocalStack;
let mcpUrl: string;

beforeAll(async () => {
  stack = await startTestStack({ cacheTtlSeconds: TTL_SECONDS, clock: () => Date.now() + clockOffsetMs });
  mcpUrl = serverUrl(stack.baseUrl, SERVER);
});

afterAll(async () => {
  await stack.close();
});

/** A client that went through discovery and registration and now waits for the person's consent. */
interface PendingAuthorization {
  readonly oauth: TestOAuthClient;
  readonly transport: StreamableHTTPClientTransport;
  readonly authorizationUrl: URL;
}

/** Connects the official client with its OAuth provider: the 401 starts discovery, DCR and the redirect to consent. */
async function startAuthorization(oauth = new TestOAuthClient()): Promise<PendingAuthorization> {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth });
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await expect(client.connect(transport)).rejects.toThrow(UnauthorizedError);
  if (!oauth.authorizationUrl) throw new Error('the client was not sent to the authorization endpoint');
  return { oauth, transport, authorizationUrl: oauth.authorizationUrl };
}

/** A person's visit: the consent page from the authorization URL, the form filled with `apiKey` and approved. */
async function consent(browser: ConsentBrowser, authorizationUrl: URL, apiKey: string) {
  const { page } = await browser.follow(authorizationUrl.href);
  expect(page.status).toBe(200);
  return browser.submit(parseConsentForm(page), apiKey);
}

/** The whole flow: the code comes back to the client, which finishes, connects and is ready. */
async function authorizedClient(apiKey: string) {
  const pending = await startAuthorization();
  const browser = new ConsentBrowser();
  const { redirectedTo } = await consent(browser, pending.authorizationUrl, apiKey);
  const code = redirectedTo?.searchParams.get('code');
  if (!code) throw new Error(`no code came back: ${redirectedTo?.href ?? 'no redirect'}`);
  await pending.transport.finishAuth(code);
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: pending.oauth }));
  return { client, oauth: pending.oauth, code, authorizationUrl: pending.authorizationUrl };
}

async function asMetadata(): Promise<{ token_endpoint: string; issuer: string }> {
  const response = await fetch(`${stack.baseUrl}${OAUTH_PATHS.authorizationServerMetadata}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { token_endpoint: string; issuer: string };
}

async function tokenRequest(
  parameters: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { token_endpoint } = await asMetadata();
  const response = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(parameters).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A raw MCP request with a bearer value: the gateway's answer. */
async function postMcp(route: string, authorization?: string) {
  const response = await fetch(`${stack.baseUrl}${route}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function whoami(client: Client): Promise<{ server: string; keyId: string | null; authMode: string }> {
  return JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} }))) as {
    server: string;
    keyId: string | null;
    authMode: string;
  };
}

describe('an oauth server through the local gateway', () => {
  it('answers 401 with the challenge that points at its protected-resource metadata', async () => {
    const response = await postMcp(ROUTE);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(oauthChallenge(stack.baseUrl, ROUTE));
    expect(response.body).toBe(OAUTH_UNAUTHORIZED.body);
  });

  it('answers the same 401 with the challenge for a bearer value it does not know', async () => {
    const response = await postMcp(ROUTE, 'Bearer not-a-token');

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(oauthChallenge(stack.baseUrl, ROUTE));
  });

  it('serves the metadata documents discovery reads', async () => {
    const prm = await fetch(protectedResourceMetadataUrl(stack.baseUrl, ROUTE));
    expect(prm.status).toBe(200);
    expect(await prm.json()).toMatchObject({
      resource: `${stack.baseUrl}${ROUTE}`,
      authorization_servers: [stack.baseUrl],
    });
    const metadata = await asMetadata();
    expect(metadata.issuer).toBe(stack.baseUrl);
  });

  it('takes an API key of the server as a bearer token', async () => {
    const { apiKey, record } = await stack.keys.create({ server: SERVER });
    const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${apiKey}` } },
      }),
    );

    expect(await whoami(client)).toMatchObject({ server: SERVER, keyId: record.keyId });
    await client.close();
  });

  it('the official client discovers, registers, gets consent with a key and calls whoami as that key', async () => {
    const { record, apiKey } = await stack.keys.create({ server: SERVER });

    const { client, oauth } = await authorizedClient(apiKey);

    expect(await whoami(client)).toMatchObject({ server: SERVER, authMode: 'oauth', keyId: record.keyId });
    expect(oauth.tokens()?.refresh_token).toEqual(expect.any(String));
    await client.close();
  });

  it('refreshes an access token the server no longer takes, and refuses the used refresh token', async () => {
    const { record, apiKey } = await stack.keys.create({ server: SERVER });
    const { client, oauth } = await authorizedClient(apiKey);
    const first = oauth.tokens()!;

    // As if the access token had expired: the server answers 401 and the client refreshes by itself.
    oauth.saveTokens({ ...first, access_token: 'expired-access-token' });
    expect(await whoami(client)).toMatchObject({ keyId: record.keyId });
    const second = oauth.tokens()!;
    expect(second.access_token).not.toBe('expired-access-token');
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);

    const reused = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      client_id: oauth.clientId,
    });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    // A reused refresh token means it leaked: the whole grant ends, the newest refresh token with it.
    const newest = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token!,
      client_id: oauth.clientId,
    });
    expect(newest.status).toBe(400);
    expect(newest.body.error).toBe('invalid_grant');
    await client.close();
  });

  it('refuses a code used once already', async () => {
    const { apiKey } = await stack.keys.create({ server: SERVER });
    const { client, oauth, code } = await authorizedClient(apiKey);

    const again = await tokenRequest({
      grant_type: 'authorization_code',
      code,
      code_verifier: oauth.codeVerifier(),
      redirect_uri: TEST_REDIRECT_URL,
      client_id: oauth.clientId,
      resource: mcpUrl,
    });

    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    await client.close();
  });

  it("ends the key's tokens within AUTH_CACHE_TTL_SECONDS once the key is revoked", async () => {
    const { record, apiKey } = await stack.keys.create({ server: SERVER });
    const { client, oauth } = await authorizedClient(apiKey);
    const accessToken = oauth.tokens()!.access_token;
    expect((await postMcp(ROUTE, `Bearer ${accessToken}`)).status).toBe(200);

    await stack.keys.revoke(record.keyId);
    clockOffsetMs += TTL_SECONDS * 1000 + 100;

    const after = await postMcp(ROUTE, `Bearer ${accessToken}`);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe(oauthChallenge(stack.baseUrl, ROUTE));
    await expect(whoami(client)).rejects.toThrow();
    await client.close();
  });

  /** The grants table's items made from this key: its own, and those of its grants (a refresh token, a code). */
  async function grantItemsOf(keyId: string): Promise<Record<string, unknown>[]> {
    const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: stack.grantsTableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const grantIds = new Set(
      items
        .filter((item) => item[GRANTS_TABLE_SCHEMA.keyIdAttribute] === keyId)
        .map((item) => item[GRANTS_TABLE_SCHEMA.grantIdAttribute]),
    );
    return items.filter(
      (item) =>
        item[GRANTS_TABLE_SCHEMA.keyIdAttribute] === keyId ||
        (item[GRANTS_TABLE_SCHEMA.grantIdAttribute] !== undefined &&
          grantIds.has(item[GRANTS_TABLE_SCHEMA.grantIdAttribute])),
    );
  }

  it.each([
    ['revoke', (keyId: string) => stack.keys.revoke(keyId)],
    ['rotate with a grace period', (keyId: string) => stack.keys.rotate(keyId, 3600)],
  ])("%s through the stack's key service ends the key's grants", async (_, change) => {
    const { record, apiKey } = await stack.keys.create({ server: SERVER });
    const { client } = await authorizedClient(apiKey);
    await client.close();
    const before = await grantItemsOf(record.keyId);
    expect(before.filter((item) => String(item[GRANTS_TABLE_SCHEMA.partitionKey]).startsWith('Grant:'))).toHaveLength(
      1,
    );

    const result = await change(record.keyId);

    expect(result.grantsEnded).toBe(1);
    expect(await grantItemsOf(record.keyId)).toEqual([]);
  });

  describe('the consent page gives no code', () => {
    it.each([
      ['a key of another server', async () => (await stack.keys.create({ server: 'demo-apikey' })).apiKey],
      ['a wrong key', async () => 'mcpg_' + 'W'.repeat(32)],
      [
        'a revoked key',
        async () => {
          const { apiKey, record } = await stack.keys.create({ server: SERVER });
          await stack.keys.revoke(record.keyId);
          return apiKey;
        },
      ],
    ])('for %s: the form again, with a message', async (_, keyOf) => {
      const apiKey = await keyOf();
      const { authorizationUrl } = await startAuthorization();
      const browser = new ConsentBrowser();

      const { page, redirectedTo } = await consent(browser, authorizationUrl, apiKey);

      expect(redirectedTo).toBeUndefined();
      expect(page.location).toBeUndefined();
      expect(page.html).not.toContain(apiKey);
      const form = parseConsentForm(page);
      expect(form.keyField).toEqual(expect.any(String));
      expect(form.message).toEqual(expect.stringMatching(/key/i));
    });
  });

  it('answers invalid_target for a resource that is not an oauth server', async () => {
    const { authorizationUrl } = await startAuthorization();
    const foreign = new URL(authorizationUrl);
    foreign.searchParams.set('resource', serverUrl(stack.baseUrl, 'demo-apikey'));
    const browser = new ConsentBrowser();

    const { page, redirectedTo } = await browser.follow(foreign.href);

    const error = redirectedTo?.searchParams.get('error') ?? page.html;
    expect(error).toContain('invalid_target');
    expect(redirectedTo?.searchParams.get('code') ?? null).toBeNull();
  });
});

describe('the banner', () => {
  it('lists the oauth server and says how clients reach it', () => {
    const text = banner(stack, 0);

    expect(text).toMatch(new RegExp(`^\\s+${SERVER}\\s+oauth\\s+${mcpUrl.replace(/[.]/g, '\\.')}$`, 'm'));
    expect(text).toContain('connects with OAuth');
    expect(text).toContain('Authorization: Bearer <key>');
    expect(text).toContain(`OAuth grants table ${stack.grantsTableName}`);
  });
});

describe('servers of other modes stay as they are', () => {
  it('demo-apikey: a 401 without WWW-Authenticate and no protected-resource metadata', async () => {
    const response = await fetch(serverUrl(stack.baseUrl, 'demo-apikey'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.text()).toBe(GATEWAY_RESPONSES.UNAUTHORIZED.body);

    const prm = await fetch(protectedResourceMetadataUrl(stack.baseUrl, '/demo-apikey/mcp'));
    expect([403, 404]).toContain(prm.status);
  });
});

describe('the local gateway, as API Gateway', () => {
  const servers = resolveServers([
    { name: 'keyed', authMode: 'apiKey', tools: ['whoami'] },
    { name: 'public', authMode: 'none', tools: ['whoami'] },
  ]);
  const challenging = async (event: APIGatewayProxyEvent) => ({
    statusCode: 401,
    headers: { 'WWW-Authenticate': 'Bearer realm="integration"', 'content-type': 'application/json' },
    body: JSON.stringify({ path: event.path }),
  });

  it("renames a Lambda integration's WWW-Authenticate to x-amzn-Remapped-WWW-Authenticate", async () => {
    await withLocalGateway(
      {
        servers,
        cacheTtlSeconds: 0,
        integration: challenging,
        loadAuthorizer: () => Promise.reject(new Error('not used')),
      },
      async (baseUrl) => {
        const response = await fetch(`${baseUrl}/public/mcp`, { method: 'POST', body: '{}' });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBeNull();
        expect(response.headers.get('x-amzn-remapped-www-authenticate')).toBe('Bearer realm="integration"');
      },
    );
  });

  it('routes no OAuth path when no server is oauth', async () => {
    await withLocalGateway(
      {
        servers,
        cacheTtlSeconds: 0,
        integration: challenging,
        loadAuthorizer: () => Promise.reject(new Error('not used')),
        oauth: { issuer: 'http://127.0.0.1:1', loadHandler: async () => challenging },
      },
      async (baseUrl) => {
        for (const path of [
          OAUTH_PATHS.authorizationServerMetadata,
          OAUTH_PATHS.protectedResourceMetadata,
          `${OAUTH_PATHS.endpointPrefix}/token`,
        ]) {
          const response = await fetch(`${baseUrl}${path}`);
          expect(response.status).toBe(403);
          expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
        }
      },
    );
  });
});

describe('the local gateway routes the authorization server', () => {
  const servers = resolveServers([
    { name: 'tenant-oauth', authMode: 'oauth', tools: ['whoami'], routes: ['/t/{tenant}/mcp'] },
    { name: 'keyed', authMode: 'apiKey', tools: ['whoami'] },
  ]);
  const ISSUER = 'http://127.0.0.1:1';

  async function withRecordingServer(run: (baseUrl: string, seen: APIGatewayProxyEvent[]) => Promise<void>) {
    const seen: APIGatewayProxyEvent[] = [];
    await withLocalGateway(
      {
        servers,
        cacheTtlSeconds: 0,
        integration: async () => ({ statusCode: 200, body: '{}' }),
        loadAuthorizer: async () => {
          throw new Error('Unauthorized');
        },
        oauth: {
          issuer: ISSUER,
          unauthorized: OAUTH_UNAUTHORIZED,
          loadHandler: async () => async (event) => {
            seen.push(event);
            return {
              statusCode: 200,
              multiValueHeaders: { 'Set-Cookie': ['a=1; HttpOnly', 'b=2; HttpOnly'] },
              headers: { 'WWW-Authenticate': 'Basic realm="token"' },
              body: '{}',
            };
          },
        },
      },
      (baseUrl) => run(baseUrl, seen),
    );
  }

  it.each([
    [OAUTH_PATHS.authorizationServerMetadata, 'GET', OAUTH_PATHS.authorizationServerMetadata],
    [OAUTH_PATHS.openidConfiguration, 'GET', OAUTH_PATHS.openidConfiguration],
    [OAUTH_PATHS.protectedResourceMetadata, 'GET', OAUTH_PATHS.protectedResourceMetadata],
    [
      `${OAUTH_PATHS.protectedResourceMetadata}/t/acme/mcp`,
      'GET',
      `${OAUTH_PATHS.protectedResourceMetadata}/t/{tenant}/mcp`,
    ],
    [`${OAUTH_PATHS.endpointPrefix}/token`, 'POST', `${OAUTH_PATHS.endpointPrefix}/{proxy+}`],
    [`${OAUTH_PATHS.endpointPrefix}/interaction/abc`, 'POST', `${OAUTH_PATHS.endpointPrefix}/{proxy+}`],
  ])('%s (%s) reaches it with no authorizer, as resource %s', async (path, method, resource) => {
    await withRecordingServer(async (baseUrl, seen) => {
      const response = await fetch(`${baseUrl}${path}`, { method, body: method === 'POST' ? 'a=b' : undefined });

      expect(response.status).toBe(200);
      expect(response.headers.getSetCookie()).toEqual(['a=1; HttpOnly', 'b=2; HttpOnly']);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(response.headers.get('x-amzn-remapped-www-authenticate')).toBe('Basic realm="token"');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ path, resource, httpMethod: method });
      expect(seen[0].requestContext.authorizer).toBeNull();
      if (method === 'POST') expect(seen[0].body).toBe('a=b');
    });
  });

  it.each([
    `${OAUTH_PATHS.protectedResourceMetadata}/keyed/mcp`,
    `${OAUTH_PATHS.protectedResourceMetadata}/t/mcp`,
    `${OAUTH_PATHS.endpointPrefix}`,
    '/.well-known/other',
  ])('%s is not routed: 403 Missing Authentication Token', async (path) => {
    await withRecordingServer(async (baseUrl, seen) => {
      const response = await fetch(`${baseUrl}${path}`);

      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
      expect(seen).toHaveLength(0);
    });
  });

  it("a {param} route's challenge names the metadata of the path the client used", async () => {
    await withRecordingServer(async (baseUrl) => {
      const response = await fetch(`${baseUrl}/t/acme/mcp`, { method: 'POST', body: '{}' });

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(oauthChallenge(ISSUER, '/t/acme/mcp'));
      expect(await response.text()).toBe(OAUTH_UNAUTHORIZED.body);
    });
  });
});
