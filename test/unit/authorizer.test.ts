import { IDENTITY_HEADERS, isGuarded } from '../../config/identity-sources';
import { servers } from '../../config/servers';
import type { AuthMode, ResolvedServer } from '../../config/types';
import { AuthorizerCore, type AuthorizerOutcome } from '../../lambdas/authorizer/authorizer';
import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { digestApiKey } from '../../lambdas/keys/key-format';
import { KeyService } from '../../lambdas/keys/key-service';
import { KeyStoreUnavailableError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';
import { evaluatePolicy } from '../../local/iam';
import { arnFor, authorizerEvent } from '../helpers/events';
import { MemoryKeyStore } from '../../lambdas/keys/memory-key-store';

const NOW = new Date('2026-11-29T18:00:00Z');
const TOKEN = 'Bearer downstream-token-7f3a';

interface World {
  store: MemoryKeyStore;
  keys: Record<'apikey' | 'passthrough' | 'revoked' | 'expired', string>;
  logs: string[];
  clock: { ms: number };
  authorizer(ttlSeconds?: number): AuthorizerCore;
}

async function world(): Promise<World> {
  const store = new MemoryKeyStore();
  const clock = { ms: NOW.getTime() };
  const service = new KeyService({ store, servers, now: () => new Date(clock.ms) });
  const apikey = (await service.create({ server: 'demo-apikey' })).apiKey;
  const passthrough = (await service.create({ server: 'demo-passthrough' })).apiKey;
  const revoked = await service.create({ server: 'demo-apikey' });
  await service.revoke(revoked.record.keyId);
  const expired = (await service.create({ server: 'demo-apikey', expiresInSeconds: 60 })).apiKey;
  clock.ms += 61_000;
  const logs: string[] = [];
  return {
    store,
    keys: { apikey, passthrough, revoked: revoked.apiKey, expired },
    logs,
    clock,
    authorizer: (ttlSeconds = 0) =>
      new AuthorizerCore({
        store,
        servers,
        cacheTtlSeconds: ttlSeconds,
        logger: createLogger('authorizer', { level: 'debug', sink: (line) => logs.push(line) }),
        clock: () => clock.ms,
      }),
  };
}

/** What API Gateway answers for the event's own route given the authorizer's outcome. */
function gatewayStatus(outcome: AuthorizerOutcome, arn: string): number {
  if ('unauthorized' in outcome) return 401;
  return evaluatePolicy(outcome.policy.policyDocument, arn) === 'allow' ? 200 : 403;
}

type KeyState = 'missing' | 'malformed' | 'unknown' | 'apikey' | 'passthrough' | 'revoked' | 'expired';
const TARGETS = ['public', 'apikey', 'passthrough'] as const;
const KEY_STATES: KeyState[] = ['missing', 'malformed', 'unknown', 'apikey', 'passthrough', 'revoked', 'expired'];

/** The expected answer, written from the rules rather than from the code. */
function expected(target: (typeof TARGETS)[number], key: KeyState, withAuthorization: boolean): number {
  if (key === 'missing' || key === 'malformed') return 401;
  if (target === 'passthrough' && !withAuthorization) return 401;
  if (key === 'unknown' || key === 'revoked' || key === 'expired') return 401;
  return key === target ? 200 : 403;
}

describe('AuthorizerCore: every mode × header × key state, payload 1.0 and 2.0', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });

  const rows = (['1.0', '2.0'] as const).flatMap((version) =>
    TARGETS.flatMap((target) =>
      KEY_STATES.flatMap((key) =>
        [true, false].map((withAuthorization) => ({ version, target, key, withAuthorization })),
      ),
    ),
  );

  it.each(rows)(
    '$version $target key=$key authorization=$withAuthorization',
    async ({ version, target, key, withAuthorization }) => {
      // Arrange
      const apiKey = {
        missing: undefined,
        malformed: 'not-a-key',
        unknown: 'mcpg_' + 'Z'.repeat(32),
        apikey: w.keys.apikey,
        passthrough: w.keys.passthrough,
        revoked: w.keys.revoked,
        expired: w.keys.expired,
      }[key];
      const event = authorizerEvent(version, target, { apiKey, authorization: withAuthorization ? TOKEN : undefined });
      const request = parseAuthorizerEvent(event)!;

      // Act
      const outcome = await w.authorizer().authorize(request);

      // Assert
      expect(gatewayStatus(outcome, request.arn)).toBe(expected(target, key, withAuthorization));
    },
  );
});

/** A server of the given mode, with every default applied. */
function serverOf(name: string, authMode: AuthMode): ResolvedServer {
  return { name, authMode, tools: [], allowedOrigins: [], passthroughOrigins: [], routes: [`/${name}/mcp`] };
}

describe('AuthorizerCore: a valid key on another server is always 403, whatever the two modes', () => {
  // Two servers per guarded mode, so every pair of modes, same mode included, has a cross-server case.
  const crossServers = [
    serverOf('open', 'none'),
    serverOf('keyed-a', 'apiKey'),
    serverOf('keyed-b', 'apiKey'),
    serverOf('bearer-a', 'bearerPassthrough'),
    serverOf('bearer-b', 'bearerPassthrough'),
  ];
  const guarded = crossServers.filter((server) => isGuarded(server.authMode));
  const fixtureOf: Record<AuthMode, 'public' | 'apikey' | 'passthrough'> = {
    none: 'public',
    apiKey: 'apikey',
    bearerPassthrough: 'passthrough',
    // Every row moves the event to its own route: the fixture only supplies the event's shape.
    oauth: 'apikey',
  };
  const keys = new Map<string, string>();
  let core: AuthorizerCore;
  beforeAll(async () => {
    const store = new MemoryKeyStore();
    const service = new KeyService({ store, servers: crossServers });
    for (const server of guarded) keys.set(server.name, (await service.create({ server: server.name })).apiKey);
    core = new AuthorizerCore({
      store,
      servers: crossServers,
      cacheTtlSeconds: 0,
      logger: createLogger('authorizer', { sink: () => {} }),
    });
  });

  const rows = (['1.0', '2.0'] as const).flatMap((version) =>
    guarded.flatMap((keyServer) =>
      crossServers.flatMap((route) =>
        [true, false].map((withAuthorization) => ({
          version,
          keyServer: keyServer.name,
          keyMode: keyServer.authMode,
          route: route.name,
          routeMode: route.authMode,
          withAuthorization,
          // Written from the rules: a route's identity headers first, then the key's own server.
          expected:
            IDENTITY_HEADERS[route.authMode].includes('Authorization') && !withAuthorization
              ? 401
              : keyServer.name === route.name
                ? 200
                : 403,
        })),
      ),
    ),
  );

  it.each(rows)(
    '$version key of $keyServer ($keyMode) on $route ($routeMode), authorization=$withAuthorization → $expected',
    async ({ version, keyServer, route, routeMode, withAuthorization, expected: status }) => {
      // Arrange
      const event = authorizerEvent(
        version,
        fixtureOf[routeMode],
        { apiKey: keys.get(keyServer), authorization: withAuthorization ? TOKEN : undefined },
        `/${route}/mcp`,
      );
      const request = parseAuthorizerEvent(event)!;

      // Act
      const outcome = await core.authorize(request);

      // Assert
      expect(gatewayStatus(outcome, request.arn)).toBe(status);
      if ('policy' in outcome) expect(outcome.policy.context).toMatchObject({ server: keyServer });
    },
  );
});

describe('AuthorizerCore policies and context', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });

  it("scopes an Allow to the key's own server on every method, so a cached answer never opens another server", async () => {
    const event = authorizerEvent('1.0', 'apikey', { apiKey: w.keys.apikey });
    const outcome = await w.authorizer().authorize(parseAuthorizerEvent(event)!);
    if (!('policy' in outcome)) throw new Error('expected a policy');
    const doc = outcome.policy.policyDocument;

    for (const method of ['POST', 'GET', 'DELETE']) {
      expect(evaluatePolicy(doc, arnFor(event, 'demo-apikey', method))).toBe('allow');
      expect(evaluatePolicy(doc, arnFor(event, 'demo-passthrough', method))).toBe('implicit-deny');
      expect(evaluatePolicy(doc, arnFor(event, 'demo-public', method))).toBe('implicit-deny');
    }
    expect(JSON.stringify(doc)).not.toContain('"*"');
    expect(doc.Statement.every((s) => (s as { Action: string }).Action === 'execute-api:Invoke')).toBe(true);
  });

  it('hands the integration server, keyId and authMode, never the key', async () => {
    const event = authorizerEvent('2.0', 'passthrough', { apiKey: w.keys.passthrough, authorization: TOKEN });
    const outcome = await w.authorizer().authorize(parseAuthorizerEvent(event)!);
    if (!('policy' in outcome)) throw new Error('expected a policy');
    const keyId = outcome.policy.principalId;

    expect(keyId).toMatch(/^key_[0-9a-f]{16}$/);
    expect(outcome.policy.context).toEqual({ server: 'demo-passthrough', keyId, authMode: 'bearerPassthrough' });
    expect(JSON.stringify(outcome)).not.toContain(w.keys.passthrough);
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('reads x-api-key whatever its case', async () => {
    const event = authorizerEvent('1.0', 'apikey', {});
    (event.headers as Record<string, string>)['X-API-Key'] = w.keys.apikey;
    delete event.multiValueHeaders;
    const outcome = await w.authorizer().authorize(parseAuthorizerEvent(event)!);
    expect('policy' in outcome).toBe(true);
  });

  it('denies a route that no configured server owns', async () => {
    const event = authorizerEvent('1.0', 'apikey', { apiKey: w.keys.apikey });
    event.resource = '/elsewhere/mcp';
    const outcome = await w.authorizer().authorize(parseAuthorizerEvent(event)!);
    expect(outcome).toEqual({ unauthorized: true });
  });
});

describe('AuthorizerCore hot path', () => {
  it('rejects a malformed key without reading the store', async () => {
    const w = await world();
    const before = w.store.reads;
    for (const apiKey of ['', ' ', 'mcpg_short', 'x'.repeat(5000), 'mcpg_' + '!'.repeat(32)]) {
      const event = authorizerEvent('1.0', 'apikey', { apiKey });
      expect(await w.authorizer(60).authorize(parseAuthorizerEvent(event)!)).toEqual({ unauthorized: true });
    }
    expect(w.store.reads).toBe(before);
  });

  it('reads the store at most once per key per TTL, for hits and for misses', async () => {
    const w = await world();
    const authorizer = w.authorizer(60);
    const known = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: w.keys.apikey }))!;
    const unknown = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: 'mcpg_' + 'Q'.repeat(32) }))!;
    const before = w.store.reads;

    await Promise.all(Array.from({ length: 500 }, () => authorizer.authorize(known)));
    await Promise.all(Array.from({ length: 500 }, () => authorizer.authorize(unknown)));
    expect(w.store.reads - before).toBe(2);

    w.clock.ms += 61_000;
    await authorizer.authorize(known);
    expect(w.store.reads - before).toBe(3);
  });

  it('sees a revocation once the cached entry expires', async () => {
    const w = await world();
    const authorizer = w.authorizer(60);
    const request = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: w.keys.apikey }))!;
    expect('policy' in (await authorizer.authorize(request))).toBe(true);

    await w.store.revoke(digestApiKey(w.keys.apikey), new Date(w.clock.ms));
    w.clock.ms += 60_001;

    expect(await authorizer.authorize(request)).toEqual({ unauthorized: true });
  });

  it('checks expiry itself, even for a cached record', async () => {
    const w = await world();
    const service = new KeyService({ store: w.store, servers, now: () => new Date(w.clock.ms) });
    const shortLived = (await service.create({ server: 'demo-apikey', expiresInSeconds: 10 })).apiKey;
    const authorizer = w.authorizer(60);
    const request = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: shortLived }))!;
    expect('policy' in (await authorizer.authorize(request))).toBe(true);

    w.clock.ms += 10_000;

    expect(await authorizer.authorize(request)).toEqual({ unauthorized: true });
  });

  it('records lastUsedAt at most once a minute per key', async () => {
    const w = await world();
    const authorizer = w.authorizer(60);
    const request = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: w.keys.apikey }))!;
    for (let i = 0; i < 100; i++) await authorizer.authorize(request);
    expect(w.store.touches).toBe(1);
    w.clock.ms += 60_000;
    await authorizer.authorize(request);
    await authorizer.settle();
    expect(w.store.touches).toBe(2);
    expect(w.store.records.get(digestApiKey(w.keys.apikey))?.lastUsedAt).toBe(new Date(w.clock.ms).toISOString());
  });
});

describe('AuthorizerCore log lines', () => {
  it("carry API Gateway's request id on every line, payload 1.0 and 2.0: allow, deny, outage, failed write", async () => {
    const w = await world();
    const authorizer = w.authorizer(3600);
    const lines = (from: number) => w.logs.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = (['1.0', '2.0'] as const).flatMap((version) =>
      [w.keys.apikey, w.keys.passthrough, w.keys.revoked, undefined, 'not-a-key'].map((apiKey) => {
        const event = authorizerEvent(version, 'apikey', { apiKey });
        return { request: parseAuthorizerEvent(event)!, id: (event.requestContext as { requestId: string }).requestId };
      }),
    );

    for (const { request, id } of requests) {
      const before = w.logs.length;
      await authorizer.authorize(request);
      expect(lines(before)).toEqual([expect.objectContaining({ requestId: id })]);
    }

    // The lastUsedAt write fails: its warning names the request that triggered it.
    w.store.down = true;
    w.clock.ms += 60_000;
    const { request, id } = requests[0];
    let before = w.logs.length;
    await authorizer.authorize(request);
    await authorizer.settle();
    expect(lines(before)).toEqual([
      expect.objectContaining({ requestId: id, decision: 'allow' }),
      expect.objectContaining({ requestId: id, level: 'warn', message: 'lastUsedAt update failed' }),
    ]);

    // The store is down for a key not in the cache.
    const unknown = parseAuthorizerEvent(authorizerEvent('2.0', 'apikey', { apiKey: 'mcpg_' + 'U'.repeat(32) }))!;
    before = w.logs.length;
    await expect(authorizer.authorize(unknown)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
    expect(lines(before)).toEqual([
      expect.objectContaining({ requestId: unknown.requestId, reason: 'key-store-unavailable' }),
    ]);
    expect(unknown.requestId).toBe('Xy1AbGHxoAMEMbQ=');
  });
});

describe('AuthorizerCore when the key store is down', () => {
  it('fails closed with an outage error, logged as an outage, and recovers', async () => {
    const w = await world();
    const authorizer = w.authorizer(60);
    const request = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: w.keys.apikey }))!;
    w.store.down = true;

    await expect(authorizer.authorize(request)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
    const last = JSON.parse(w.logs.at(-1)!);
    expect(last).toMatchObject({ level: 'error', decision: 'error', reason: 'key-store-unavailable' });

    w.store.down = false;
    expect('policy' in (await authorizer.authorize(request))).toBe(true);
  });

  it('never logs a key, its digest or an Authorization value', async () => {
    const w = await world();
    const authorizer = w.authorizer(60);
    for (const apiKey of Object.values(w.keys)) {
      for (const target of TARGETS) {
        await authorizer.authorize(
          parseAuthorizerEvent(authorizerEvent('2.0', target, { apiKey, authorization: TOKEN }))!,
        );
      }
    }
    w.store.down = true;
    await authorizer
      .authorize(parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: 'mcpg_' + 'N'.repeat(32) }))!)
      .catch(() => undefined);

    const all = w.logs.join('\n');
    expect(w.logs.length).toBeGreaterThan(10);
    for (const key of Object.values(w.keys)) {
      expect(all).not.toContain(key);
      expect(all).not.toContain(digestApiKey(key));
    }
    expect(all).not.toContain('downstream-token');
  });
});
