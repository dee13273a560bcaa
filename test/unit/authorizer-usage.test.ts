import { servers } from '../../config/servers';
import { AuthorizerCore } from '../../lambdas/authorizer/authorizer';
import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { KeyService } from '../../lambdas/keys/key-service';
import { MemoryKeyStore } from '../../lambdas/keys/memory-key-store';
import type { AccessTokenItem } from '../../lambdas/oauth/grants-schema';
import { digestToken, type TokenStore } from '../../lambdas/oauth/token-store';
import { createLogger } from '../../lambdas/shared/logger';
import { authorizerEvent } from '../helpers/events';

/** The authorizer names the key's usage identifier on every Allow, for API Gateway's usage plans. */
describe('authorizer usageIdentifierKey', () => {
  const NOW = Date.parse('2026-11-29T18:00:00Z');
  const TOKEN = 'oauth-access-token-0123456789abcdef';

  async function arrange(cacheTtlSeconds = 60) {
    const store = new MemoryKeyStore();
    const service = new KeyService({ store, servers, now: () => new Date(NOW) });
    const apikey = await service.create({ server: 'demo-apikey', plan: 'demo-tight' });
    const oauthKey = await service.create({ server: 'demo-oauth' });
    const token: AccessTokenItem = {
      id: `AccessToken:${digestToken(TOKEN)}`,
      keyId: oauthKey.record.keyId,
      server: 'demo-oauth',
      clientId: 'client-1',
      expiresAt: NOW / 1000 + 3600,
    };
    const tokens = {
      getAccessToken: async (digest: string) => (digest === digestToken(TOKEN) ? token : undefined),
    } as unknown as TokenStore;
    const core = new AuthorizerCore({
      store,
      servers,
      tokens,
      cacheTtlSeconds,
      logger: createLogger('authorizer', { sink: () => {} }),
      clock: () => NOW,
    });
    const identifierOf = (keyId: string) =>
      [...store.records.values()].find((r) => r.keyId === keyId)!.usageIdentifierKey;
    return { store, core, apikey, oauthKey, identifierOf };
  }

  it('returns the key’s own identifier, never the key or its digest', async () => {
    const { core, apikey, identifierOf } = await arrange();
    const outcome = await core.authorize(
      parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: apikey.apiKey }) as never)!,
    );
    const policy = 'policy' in outcome ? outcome.policy : undefined;
    expect(policy?.usageIdentifierKey).toBe(identifierOf(apikey.record.keyId));
    expect(policy?.usageIdentifierKey).toMatch(/^[0-9a-f]{40}$/);
    expect(JSON.stringify(policy)).not.toContain(apikey.apiKey);
  });

  it('returns the identifier of the key behind an OAuth access token', async () => {
    const { core, oauthKey, identifierOf } = await arrange();
    const event = authorizerEvent('1.0', 'apikey', { authorization: `Bearer ${TOKEN}` }, '/demo-oauth/mcp');
    const outcome = await core.authorize(parseAuthorizerEvent(event as never)!);
    expect('policy' in outcome && outcome.policy.usageIdentifierKey).toBe(identifierOf(oauthKey.record.keyId));
  });

  it('returns none for a key made before plans, then the one sync-plans gives it', async () => {
    const { store, core, apikey } = await arrange(0);
    const record = [...store.records.values()].find((r) => r.keyId === apikey.record.keyId)!;
    await store.setPlanFields(record.digest, { usageIdentifierKey: undefined, plan: undefined });
    const request = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: apikey.apiKey }) as never)!;
    const before = await core.authorize(request);
    expect('policy' in before && 'usageIdentifierKey' in before.policy).toBe(false);

    await new KeyService({ store, servers, now: () => new Date(NOW) }).syncPlans();
    const after = await core.authorize(request);
    expect('policy' in after && after.policy.usageIdentifierKey).toMatch(/^[0-9a-f]{40}$/);
  });
});
