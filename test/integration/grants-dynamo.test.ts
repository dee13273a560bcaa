import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { errors, type AdapterConstructor } from 'oidc-provider';
import type { DynamoTransport } from '../../lambdas/keys/dynamo-json';
import { SdkDynamoTransport } from '../../lambdas/keys/sdk-dynamo-transport';
import { SignedDynamoClient } from '../../lambdas/keys/signed-dynamo-client';
import { GrantsStoreUnavailableError, UnboundTokenError } from '../../lambdas/oauth/errors';
import { createGrantsAdapter, grantsItemId, hashClientSecret, sha256Hex } from '../../lambdas/oauth/grants-adapter';
import { LOCAL_GRANTS_TABLE_NAME } from '../../lambdas/oauth/grants-schema';
import { ensureGrantsTable } from '../../lambdas/oauth/grants-table';
import { GrantsTableTokenStore } from '../../lambdas/oauth/grants-token-store';
import { OAUTH_TTL } from '../../lambdas/oauth/lifetimes';
import { digestToken, TokenStoreUnavailableError } from '../../lambdas/oauth/token-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';

const NOW_MS = Date.parse('2026-11-29T18:00:00Z');
const NOW = NOW_MS / 1000;
const RESOURCE = 'https://mcp.example.com/alpha/mcp';

/**
 * The grants table's storage, run on both ways to DynamoDB: the AWS SDK's client (the local
 * stack, the key CLI) and the signed one the deployed authorization server and authorizer run
 * on. Both must pass the same tests, as the key store's two transports do (keys-dynamo.test.ts).
 */
const TRANSPORTS: ReadonlyArray<readonly [string, (dynamo: EmbeddedDynamo) => DynamoTransport]> = [
  ['the AWS SDK (SdkDynamoTransport)', (dynamo) => new SdkDynamoTransport(dynamo.client)],
  // A generous request timeout, as in oauth-server.test.ts: a busy machine must not time out a landed write.
  [
    'the signed client (aws4)',
    (dynamo) => new SignedDynamoClient({ endpoint: dynamo.endpoint, env: {}, requestTimeoutMs: 10_000 }),
  ],
];

describe.each(TRANSPORTS)('the grants table through %s on DynamoDB (dynalite)', (_name, transportOf) => {
  let dynamo: EmbeddedDynamo;
  let transport: DynamoTransport;
  let Adapter: AdapterConstructor;
  let tokens: GrantsTableTokenStore;
  const clock = { ms: NOW_MS };

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo('grants-keys');
    await ensureGrantsTable(dynamo.client, LOCAL_GRANTS_TABLE_NAME);
    transport = transportOf(dynamo);
    Adapter = createGrantsAdapter({
      transport,
      tableName: LOCAL_GRANTS_TABLE_NAME,
      serverForResource: (resource) => (resource === RESOURCE ? 'alpha' : undefined),
      clock: () => clock.ms,
    });
    tokens = new GrantsTableTokenStore(transport, LOCAL_GRANTS_TABLE_NAME);
  });

  afterAll(async () => {
    await dynamo?.close();
  });

  beforeEach(() => {
    clock.ms = NOW_MS;
  });

  const stored = async (model: string, id: string) =>
    (
      await dynamo.client.send(
        new GetCommand({ TableName: LOCAL_GRANTS_TABLE_NAME, Key: { id: grantsItemId(model, id) } }),
      )
    ).Item;

  /** A grant of `keyId` with an access token, a refresh token (no keyId: found through the grant) and a code. */
  async function grantWithTokens(keyId: string, grantId: string): Promise<{ accessToken: string }> {
    const accessToken = `at-${grantId}`;
    await new Adapter('Grant').upsert(grantId, { accountId: keyId, clientId: 'c1' }, OAUTH_TTL.Grant);
    await new Adapter('AccessToken').upsert(
      accessToken,
      { jti: accessToken, accountId: keyId, clientId: 'c1', aud: RESOURCE, grantId },
      OAUTH_TTL.AccessToken,
    );
    await new Adapter('RefreshToken').upsert(`rt-${grantId}`, { grantId }, OAUTH_TTL.RefreshToken);
    await new Adapter('AuthorizationCode').upsert(`code-${grantId}`, { grantId }, OAUTH_TTL.AuthorizationCode);
    return { accessToken };
  }

  describe('the authorization server adapter', () => {
    it('stores a model under the hash of its id, without the id, and finds it again until it expires', async () => {
      // Arrange
      const adapter = new Adapter('Session');
      // Act
      await adapter.upsert('session-1', { jti: 'session-1', uid: 'uid-1', accountId: 'k1' }, 600);
      // Assert
      const item = await stored('Session', 'session-1');
      expect(item).toMatchObject({ id: `Session:${sha256Hex('session-1')}`, uid: 'uid-1', expiresAt: NOW + 600 });
      expect(JSON.stringify(item)).not.toContain('session-1');
      await expect(adapter.find('session-1')).resolves.toEqual({ jti: 'session-1', uid: 'uid-1', accountId: 'k1' });
      await expect(adapter.findByUid('uid-1')).resolves.toEqual({ uid: 'uid-1', accountId: 'k1' });
      clock.ms = NOW_MS + 600_000;
      await expect(adapter.find('session-1')).resolves.toBeUndefined();
      await expect(adapter.findByUid('uid-1')).resolves.toBeUndefined();
    });

    it('keeps a client secret as its hash, and forgets a client after its lifetime', async () => {
      // Act
      await new Adapter('Client').upsert('client-1', { client_id: 'client-1', client_secret: 'shh' });
      // Assert
      const item = await stored('Client', 'client-1');
      expect(item?.expiresAt).toBe(NOW + OAUTH_TTL.Client);
      expect(JSON.parse(String(item?.payload)).client_secret).toBe(hashClientSecret('shh'));
      await expect(new Adapter('Client').find('client-1')).resolves.toMatchObject({ client_id: 'client-1' });
    });

    it('consumes a code once; a second use ends its whole grant and is refused', async () => {
      // Arrange
      await grantWithTokens('k-consume', 'g-consume');
      const codes = new Adapter('AuthorizationCode');
      // Act
      await codes.consume('code-g-consume');
      // Assert
      await expect(codes.find('code-g-consume')).resolves.toMatchObject({ consumed: NOW });
      await expect(codes.consume('code-g-consume')).rejects.toBeInstanceOf(errors.InvalidGrant);
      for (const [model, id] of [
        ['Grant', 'g-consume'],
        ['AccessToken', 'at-g-consume'],
        ['RefreshToken', 'rt-g-consume'],
        ['AuthorizationCode', 'code-g-consume'],
      ]) {
        await expect(stored(model, id)).resolves.toBeUndefined();
      }
    });

    it('destroys one item, and revokes a model of a grant by its grant id', async () => {
      // Arrange
      await grantWithTokens('k-destroy', 'g-destroy');
      // Act
      await new Adapter('AuthorizationCode').destroy('code-g-destroy');
      await new Adapter('RefreshToken').revokeByGrantId('g-destroy');
      // Assert
      await expect(stored('AuthorizationCode', 'code-g-destroy')).resolves.toBeUndefined();
      await expect(stored('RefreshToken', 'rt-g-destroy')).resolves.toBeUndefined();
      await expect(stored('AccessToken', 'at-g-destroy')).resolves.toBeDefined();
    });

    it('refuses an access token for a resource that names no oauth server', async () => {
      const upsert = new Adapter('AccessToken').upsert(
        'at-unbound',
        { accountId: 'k1', clientId: 'c1', aud: 'https://elsewhere.example.com/mcp' },
        60,
      );
      await expect(upsert).rejects.toBeInstanceOf(UnboundTokenError);
    });
  });

  describe('the token store', () => {
    it("reads an access token by the digest of its value, with the key, the server and the client at the item's top", async () => {
      // Arrange
      const { accessToken } = await grantWithTokens('k-read', 'g-read');
      // Act
      const item = await tokens.getAccessToken(digestToken(accessToken));
      // Assert
      expect(item).toEqual({
        id: `AccessToken:${digestToken(accessToken)}`,
        keyId: 'k-read',
        server: 'alpha',
        clientId: 'c1',
        expiresAt: NOW + OAUTH_TTL.AccessToken,
      });
      await expect(tokens.getAccessToken(digestToken('no such token'))).resolves.toBeUndefined();
    });

    it("counts a key's live grants, and revokes every item of them, across pages of deletes", async () => {
      // Arrange: 12 grants × 4 items, more than one BatchWriteItem of 25.
      for (let i = 0; i < 12; i++) await grantWithTokens('k-many', `g-many-${i}`);
      await new Adapter('Grant').upsert('g-old', { accountId: 'k-many', clientId: 'c1' }, 60);
      clock.ms = NOW_MS + 120_000;
      // Act
      const live = await tokens.countLiveGrants('k-many', clock.ms / 1000);
      const revoked = await tokens.revokeGrantsOfKey('k-many');
      // Assert
      expect(live).toBe(12);
      expect(revoked).toBe(13);
      const left = await dynamo.client.send(new ScanCommand({ TableName: LOCAL_GRANTS_TABLE_NAME }));
      expect(
        (left.Items ?? []).filter((item) => item.keyId === 'k-many' || /g-many|g-old/.test(String(item.grantId))),
      ).toEqual([]);
      await expect(tokens.countLiveGrants('k-many', clock.ms / 1000)).resolves.toBe(0);
    });
  });

  describe('an outage', () => {
    it('is the store being unavailable, never a missing item or an empty answer', async () => {
      // Arrange: a table that does not exist answers every call with an error.
      const Missing = createGrantsAdapter({
        transport,
        tableName: 'no-such-table',
        serverForResource: () => 'alpha',
        clock: () => clock.ms,
      });
      const missingTokens = new GrantsTableTokenStore(transport, 'no-such-table');
      // Act / Assert
      await expect(new Missing('Session').find('s')).rejects.toBeInstanceOf(GrantsStoreUnavailableError);
      await expect(new Missing('Session').upsert('s', {}, 60)).rejects.toBeInstanceOf(GrantsStoreUnavailableError);
      await expect(new Missing('AuthorizationCode').consume('c')).rejects.toBeInstanceOf(GrantsStoreUnavailableError);
      await expect(new Missing('Session').findByUid('u')).rejects.toBeInstanceOf(GrantsStoreUnavailableError);
      await expect(missingTokens.getAccessToken('d')).rejects.toBeInstanceOf(TokenStoreUnavailableError);
      await expect(missingTokens.revokeGrantsOfKey('k')).rejects.toBeInstanceOf(TokenStoreUnavailableError);
    });
  });
});
