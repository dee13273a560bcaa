import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthMode, ResolvedServer } from '../../config/types';
import { AuthorizerCore, type AuthorizerOutcome } from '../../lambdas/authorizer/authorizer';
import { authorizerHandlerFromEnv } from '../../lambdas/authorizer/handler';
import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { KeyService } from '../../lambdas/keys/key-service';
import { accessTokenItemId, LOCAL_GRANTS_TABLE_NAME, type AccessTokenItem } from '../../lambdas/oauth/grants-schema';
import { digestToken, DynamoTokenStore, type TokenStore } from '../../lambdas/oauth/token-store';
import { KeyStoreUnavailableError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import { evaluatePolicy } from '../../local/iam';
import { authorizerEvent } from '../helpers/events';
import { ensureGrantsTable } from '../../lambdas/oauth/grants-table';

const NOW_MS = Date.parse('2026-11-29T18:00:00Z');
const NOW = NOW_MS / 1000;

function serverOf(name: string, authMode: AuthMode): ResolvedServer {
  return { name, authMode, tools: [], allowedOrigins: [], passthroughOrigins: [], routes: [`/${name}/mcp`] };
}

const SERVERS = [
  serverOf('sso-a', 'oauth'),
  serverOf('sso-b', 'oauth'),
  serverOf('keyed', 'apiKey'),
  serverOf('bearer', 'bearerPassthrough'),
];

/** An opaque token as the authorization server issues them: 32 random bytes, base64url. */
const newToken = () => randomBytes(32).toString('base64url');

/** What API Gateway answers for the event's own route given the authorizer's outcome. */
function gatewayStatus(outcome: AuthorizerOutcome, arn: string): number {
  if ('unauthorized' in outcome) return 401;
  return evaluatePolicy(outcome.policy.policyDocument, arn) === 'allow' ? 200 : 403;
}

describe('AuthorizerCore on oauth servers (dynalite: DynamoKeyStore and DynamoTokenStore)', () => {
  let dynamo: EmbeddedDynamo;
  let tokens: DynamoTokenStore;
  let service: KeyService;
  const clock = { ms: NOW_MS };
  const logs: string[] = [];
  const keys: Record<string, { apiKey: string; keyId: string }> = {};
  const tokenOf: Record<string, string> = {};

  /** Stores an access token item exactly as the authorization server writes it. */
  async function putToken(value: string, item: Omit<AccessTokenItem, 'id'> & Record<string, unknown>): Promise<void> {
    await dynamo.client.send(
      new PutCommand({
        TableName: LOCAL_GRANTS_TABLE_NAME,
        Item: { id: accessTokenItemId(digestToken(value)), ...item },
      }),
    );
  }

  /** `store` null: no grants table configured. */
  const core = (cacheTtlSeconds = 0, store: TokenStore | null = tokens) =>
    new AuthorizerCore({
      store: dynamo.store,
      tokens: store ?? undefined,
      servers: SERVERS,
      cacheTtlSeconds,
      logger: createLogger('authorizer', { level: 'debug', sink: (line) => logs.push(line) }),
      clock: () => clock.ms,
    });

  const request = (route: string, headers: { apiKey?: string; authorization?: string }, version: '1.0' | '2.0') =>
    parseAuthorizerEvent(authorizerEvent(version, 'apikey', headers, `/${route}/mcp`))!;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureGrantsTable(dynamo.client, LOCAL_GRANTS_TABLE_NAME);
    tokens = new DynamoTokenStore(dynamo.client, LOCAL_GRANTS_TABLE_NAME);
    service = new KeyService({ store: dynamo.store, servers: SERVERS, now: () => new Date(clock.ms) });
    for (const [name, server] of [
      ['a', 'sso-a'],
      ['b', 'sso-b'],
      ['revoked', 'sso-a'],
      ['expiring', 'sso-a'],
      ['keyed', 'keyed'],
    ] as const) {
      const issued = await service.create({ server, expiresInSeconds: name === 'expiring' ? 60 : undefined });
      keys[name] = { apiKey: issued.apiKey, keyId: issued.record.keyId };
    }
    await service.revoke(keys.revoked.keyId);
    const later = NOW + 3600;
    for (const [name, key, server, expiresAt] of [
      ['a', 'a', 'sso-a', later],
      ['b', 'b', 'sso-b', later],
      ['expired', 'a', 'sso-a', NOW + 30],
      ['revoked', 'revoked', 'sso-a', later],
      ['expiring', 'expiring', 'sso-a', later],
      ['unconfigured', 'a', 'gone', later],
      ['keyed', 'keyed', 'keyed', later],
    ] as const) {
      tokenOf[name] = newToken();
      await putToken(tokenOf[name], { keyId: keys[key].keyId, server, clientId: 'client-1', expiresAt });
    }
    // The expired token's time has come, and the expiring key's, though DynamoDB keeps both items.
    clock.ms += 61_000;
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  const bearer = (value: string) => `Bearer ${value}`;
  // Written from the rules: the token (or key) must be live, its key active, and of the route's server.
  const cases: {
    name: string;
    route: string;
    headers: () => { apiKey?: string; authorization?: string };
    status: number;
    reason?: string;
  }[] = [
    { name: 'valid token', route: 'sso-a', headers: () => ({ authorization: bearer(tokenOf.a) }), status: 200 },
    {
      name: 'scheme in lower case',
      route: 'sso-a',
      headers: () => ({ authorization: `bearer ${tokenOf.a}` }),
      status: 200,
    },
    {
      name: 'scheme in upper case',
      route: 'sso-a',
      headers: () => ({ authorization: `BEARER  ${tokenOf.a}` }),
      status: 200,
    },
    {
      name: 'expired token',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(tokenOf.expired) }),
      status: 401,
      reason: 'expired-token',
    },
    {
      name: 'unknown token',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(newToken()) }),
      status: 401,
      reason: 'unknown-token',
    },
    {
      name: 'token of a revoked key',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(tokenOf.revoked) }),
      status: 401,
      reason: 'revoked-key',
    },
    {
      name: 'token of an expired key',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(tokenOf.expiring) }),
      status: 401,
      reason: 'expired-key',
    },
    {
      name: 'token naming no oauth server',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(tokenOf.unconfigured) }),
      status: 401,
      reason: 'token-server-not-configured',
    },
    {
      name: 'token of an apiKey server',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(tokenOf.keyed) }),
      status: 401,
      reason: 'token-server-not-configured',
    },
    {
      name: 'token of another oauth server',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(tokenOf.b) }),
      status: 403,
    },
    {
      name: 'token of sso-a on sso-b',
      route: 'sso-b',
      headers: () => ({ authorization: bearer(tokenOf.a) }),
      status: 403,
    },
    {
      name: 'raw key as Bearer',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(keys.a.apiKey) }),
      status: 200,
    },
    {
      name: 'raw key of another oauth server',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(keys.b.apiKey) }),
      status: 403,
    },
    {
      name: 'raw key of an apiKey server',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(keys.keyed.apiKey) }),
      status: 403,
    },
    {
      name: 'raw revoked key',
      route: 'sso-a',
      headers: () => ({ authorization: bearer(keys.revoked.apiKey) }),
      status: 401,
    },
    {
      name: 'malformed key',
      route: 'sso-a',
      headers: () => ({ authorization: bearer('mcpg_short') }),
      status: 401,
      reason: 'malformed-key',
    },
    { name: 'key in x-api-key only', route: 'sso-a', headers: () => ({ apiKey: keys.a.apiKey }), status: 401 },
    { name: 'no Authorization', route: 'sso-a', headers: () => ({}), status: 401, reason: 'missing-authorization' },
    {
      name: 'Basic scheme',
      route: 'sso-a',
      headers: () => ({ authorization: `Basic ${tokenOf.a}` }),
      status: 401,
      reason: 'malformed-authorization',
    },
    {
      name: 'no scheme',
      route: 'sso-a',
      headers: () => ({ authorization: tokenOf.a }),
      status: 401,
      reason: 'malformed-authorization',
    },
    {
      name: 'two credentials',
      route: 'sso-a',
      headers: () => ({ authorization: `Bearer ${tokenOf.a} ${tokenOf.b}` }),
      status: 401,
    },
    {
      name: 'token of odd characters',
      route: 'sso-a',
      headers: () => ({ authorization: 'Bearer <script>alert(1)</script>' }),
      status: 401,
      reason: 'malformed-token',
    },
    {
      name: 'huge token',
      route: 'sso-a',
      headers: () => ({ authorization: bearer('A'.repeat(5000)) }),
      status: 401,
      reason: 'malformed-token',
    },
    {
      name: 'token as x-api-key on an apiKey server',
      route: 'keyed',
      headers: () => ({ apiKey: tokenOf.keyed }),
      status: 401,
    },
    {
      name: 'oauth key as x-api-key on an apiKey server',
      route: 'keyed',
      headers: () => ({ apiKey: keys.a.apiKey }),
      status: 403,
    },
    {
      name: 'apiKey server key, unaffected',
      route: 'keyed',
      headers: () => ({ apiKey: keys.keyed.apiKey }),
      status: 200,
    },
  ];
  const rows = (['1.0', '2.0'] as const).flatMap((version) => cases.map((c) => ({ ...c, version })));

  it.each(rows)('$version $name on $route → $status', async ({ route, headers, status, reason, version }) => {
    // Arrange
    const req = request(route, headers(), version);
    // Act
    const outcome = await core().authorize(req);
    // Assert
    expect(gatewayStatus(outcome, req.arn)).toBe(status);
    if (reason) expect(JSON.parse(logs.at(-1)!)).toMatchObject({ decision: 'unauthorized', reason });
  });

  it("gives a token its key's own policy and context: the key id, never the token", async () => {
    // Arrange
    const req = request('sso-a', { authorization: bearer(tokenOf.a) }, '2.0');
    // Act
    const outcome = await core().authorize(req);
    // Assert
    if (!('policy' in outcome)) throw new Error('expected a policy');
    expect(outcome.policy.principalId).toBe(keys.a.keyId);
    expect(outcome.policy.context).toEqual({ server: 'sso-a', keyId: keys.a.keyId, authMode: 'oauth' });
    const viaKey = await core().authorize(request('sso-a', { authorization: bearer(keys.a.apiKey) }, '2.0'));
    expect(viaKey).toEqual(outcome);
    expect(JSON.stringify(outcome)).not.toContain(tokenOf.a);
  });

  it('reads a token and its key once per TTL, misses too, and ends the token within the TTL of a revocation', async () => {
    // Arrange
    const issued = await service.create({ server: 'sso-a' });
    const value = newToken();
    await putToken(value, { keyId: issued.record.keyId, server: 'sso-a', clientId: 'c', expiresAt: NOW + 7200 });
    const authorizer = core(30);
    const known = request('sso-a', { authorization: bearer(value) }, '1.0');
    const unknown = request('sso-a', { authorization: bearer(newToken()) }, '1.0');

    // Act
    const first = await Promise.all(Array.from({ length: 50 }, () => authorizer.authorize(known)));
    await Promise.all(Array.from({ length: 50 }, () => authorizer.authorize(unknown)));
    await service.revoke(issued.record.keyId);
    const cached = await authorizer.authorize(known);
    clock.ms += 30_001;
    const after = await authorizer.authorize(known);

    // Assert
    expect(first.every((o) => gatewayStatus(o, known.arn) === 200)).toBe(true);
    expect(authorizer.tokenCache.reads).toBe(3);
    expect(authorizer.keyIdCache.reads).toBe(2);
    expect(gatewayStatus(cached, known.arn)).toBe(200);
    expect(after).toEqual({ unauthorized: true });
    expect(JSON.parse(logs.at(-1)!)).toMatchObject({ decision: 'unauthorized', reason: 'revoked-key' });
  });

  it("ends a key's tokens when its grants are revoked, within the TTL, though the key stays active", async () => {
    // Arrange
    const issued = await service.create({ server: 'sso-a' });
    const value = newToken();
    await putToken(value, { keyId: issued.record.keyId, server: 'sso-a', clientId: 'c', expiresAt: NOW + 7200 });
    const authorizer = core(30);
    const req = request('sso-a', { authorization: bearer(value) }, '2.0');
    expect(gatewayStatus(await authorizer.authorize(req), req.arn)).toBe(200);

    // Act
    await tokens.revokeGrantsOfKey(issued.record.keyId);
    clock.ms += 30_001;

    // Assert
    expect(await authorizer.authorize(req)).toEqual({ unauthorized: true });
    expect(JSON.parse(logs.at(-1)!)).toMatchObject({ reason: 'unknown-token' });
  });

  it('refuses every token when no grants table is configured, logging that once; keys still work', async () => {
    // Arrange
    const authorizer = core(0, null);
    const before = logs.length;
    // Act
    const first = await authorizer.authorize(request('sso-a', { authorization: bearer(tokenOf.a) }, '1.0'));
    const second = await authorizer.authorize(request('sso-a', { authorization: bearer(tokenOf.a) }, '1.0'));
    const key = request('sso-a', { authorization: bearer(keys.a.apiKey) }, '1.0');
    const viaKey = await authorizer.authorize(key);
    // Assert
    expect(first).toEqual({ unauthorized: true });
    expect(second).toEqual({ unauthorized: true });
    expect(gatewayStatus(viaKey, key.arn)).toBe(200);
    const lines = logs.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(lines.filter((line) => line.reason === 'tokens-not-configured')).toHaveLength(2);
  });

  it('fails closed when the grants table cannot answer, caches no failure, and recovers', async () => {
    // Arrange: the failure path alone is a stub
    let down = true;
    const flaky: TokenStore = {
      getAccessToken: (digest) => (down ? Promise.reject(new Error('socket hang up')) : tokens.getAccessToken(digest)),
      countLiveGrants: () => Promise.resolve(0),
      revokeGrantsOfKey: () => Promise.resolve(0),
    };
    const authorizer = core(60, flaky);
    const req = request('sso-a', { authorization: bearer(tokenOf.a) }, '1.0');

    // Act / Assert
    await expect(authorizer.authorize(req)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
    expect(JSON.parse(logs.at(-1)!)).toMatchObject({ level: 'error', reason: 'token-store-unavailable' });
    down = false;
    expect(gatewayStatus(await authorizer.authorize(req), req.arn)).toBe(200);
  });

  it('answers 500, not 401, when the grants table is missing', async () => {
    const authorizer = core(0, new DynamoTokenStore(dynamo.client, 'no-such-table'));
    const req = request('sso-a', { authorization: bearer(tokenOf.a) }, '2.0');
    await expect(authorizer.authorize(req)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
  });

  it('never logs a token, its digest, a key or an Authorization value', () => {
    const all = logs.join('\n');
    expect(logs.length).toBeGreaterThan(rows.length);
    for (const value of Object.values(tokenOf)) {
      expect(all).not.toContain(value);
      expect(all).not.toContain(digestToken(value));
    }
    for (const { apiKey } of Object.values(keys)) expect(all).not.toContain(apiKey);
  });

  it('builds its token store from GRANTS_TABLE_NAME', async () => {
    // Arrange
    const env = { KEYS_TABLE_NAME: dynamo.tableName, DYNAMODB_ENDPOINT: dynamo.endpoint };
    const withTokens = authorizerHandlerFromEnv({ ...env, GRANTS_TABLE_NAME: LOCAL_GRANTS_TABLE_NAME });
    const without = authorizerHandlerFromEnv(env);
    // A token that stays live on the real clock the handler uses.
    const value = newToken();
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const issued = await new KeyService({
      store: dynamo.store,
      servers: [serverOf('demo-oauth', 'oauth')],
    }).create({ server: 'demo-oauth' });
    await putToken(value, { keyId: issued.record.keyId, server: 'demo-oauth', clientId: 'c', expiresAt });
    const event = authorizerEvent('1.0', 'apikey', { authorization: bearer(value) }, '/demo-oauth/mcp');

    // Act / Assert
    const allowed = await withTokens(event as never);
    expect(allowed.context).toEqual({ server: 'demo-oauth', keyId: issued.record.keyId, authMode: 'oauth' });
    await expect(without(event as never)).rejects.toThrow(/^Unauthorized$/);
    await withTokens.core.settle();
  });

  describe("on an oauth server's own API (custom domain: route `/`, the stage names the server)", () => {
    /** events/authorizer-v1-oauth-stage.json: POST `/` of a per-server API, its stage variable set to `stageServer`. */
    const staged = (stageServer: string | undefined, authorization: string) => {
      const event = authorizerEvent('1.0', 'oauth-stage', { authorization });
      event.stageVariables = stageServer === undefined ? null : { mcpGateServer: stageServer };
      return parseAuthorizerEvent(event)!;
    };
    const ownRoot = (method: string) => `arn:aws:execute-api:us-east-1:123456789012:oauth12345/prod/${method}/`;

    it.each([
      ['token', () => bearer(tokenOf.a)],
      ['API key', () => bearer(keys.a.apiKey)],
    ])("allows the stage's own server's %s on the API's root, every method, and nothing else", async (_, header) => {
      // Arrange
      const req = staged('sso-a', header());
      // Act
      const outcome = await core().authorize(req);
      // Assert
      if (!('policy' in outcome)) throw new Error('expected a policy');
      expect(outcome.policy.context).toEqual({ server: 'sso-a', keyId: keys.a.keyId, authMode: 'oauth' });
      const [statement] = outcome.policy.policyDocument.Statement as unknown as {
        Effect: string;
        Resource: string[];
      }[];
      expect(statement.Effect).toBe('Allow');
      expect(statement.Resource).toContain(ownRoot('POST'));
      expect(
        statement.Resource.every((arn) =>
          /^arn:aws:execute-api:us-east-1:123456789012:oauth12345\/prod\/[A-Z]+\/$/.test(arn),
        ),
      ).toBe(true);
      for (const method of ['POST', 'GET', 'DELETE']) expect(gatewayStatus(outcome, ownRoot(method))).toBe(200);
      expect(gatewayStatus(outcome, `${ownRoot('POST')}sso-a/mcp`)).toBe(403);
    });

    it.each([
      ["another oauth server's token", () => bearer(tokenOf.b)],
      ["another oauth server's API key", () => bearer(keys.b.apiKey)],
      ["an apiKey server's key as a bearer", () => bearer(keys.keyed.apiKey)],
    ])('denies %s explicitly (403)', async (_, header) => {
      // Arrange
      const req = staged('sso-a', header());
      // Act
      const outcome = await core().authorize(req);
      // Assert
      if (!('policy' in outcome)) throw new Error('expected a policy');
      expect(outcome.policy.policyDocument.Statement).toEqual([
        {
          Action: 'execute-api:Invoke',
          Effect: 'Deny',
          Resource: ['arn:aws:execute-api:us-east-1:123456789012:oauth12345/prod/*'],
        },
      ]);
      expect(gatewayStatus(outcome, ownRoot('POST'))).toBe(403);
      expect(JSON.parse(logs.at(-1)!)).toMatchObject({
        decision: 'deny',
        reason: 'key-of-other-server',
        targetServer: 'sso-a',
      });
    });

    it.each([
      ['an apiKey server', 'keyed', () => bearer(keys.keyed.apiKey), 'stage-server-not-oauth'],
      ['no configured server', 'gone', () => bearer(tokenOf.a), 'stage-server-not-oauth'],
      ['nothing (the route `/` is no server of the main API)', undefined, () => bearer(tokenOf.a), 'unknown-route'],
    ])('refuses (401) a stage variable naming %s, whatever the credential', async (_, stageServer, header, reason) => {
      // Arrange
      const req = staged(stageServer, header());
      // Act
      const outcome = await core().authorize(req);
      // Assert
      expect(outcome).toEqual({ unauthorized: true });
      expect(JSON.parse(logs.at(-1)!)).toMatchObject({ decision: 'unauthorized', reason });
    });

    it('reads the stage variable of the REST event, and of nothing a caller sends', () => {
      // Arrange
      const event = authorizerEvent('1.0', 'oauth-stage', { authorization: bearer(tokenOf.a) });
      (event.headers as Record<string, string>).mcpGateServer = 'sso-b';
      (event.queryStringParameters as unknown) = { mcpGateServer: 'sso-b' };
      // Act / Assert
      expect(parseAuthorizerEvent(event)).toMatchObject({ stageServer: 'demo-oauth', routePath: '/' });
    });
  });
});
