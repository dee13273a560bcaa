import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ensureKeysTable } from '../../lambdas/keys/dynamo-key-store';
import { accessTokenItemId, LOCAL_GRANTS_TABLE_NAME } from '../../lambdas/oauth/grants-schema';
import { digestToken } from '../../lambdas/oauth/token-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import { ensureGrantsTable } from '../../lambdas/oauth/grants-table';
import { runKeys } from '../helpers/keys-cli';

const KEY = /mcpg_[A-Za-z0-9_-]{32}/;

describe('npm run keys with oauth servers', () => {
  let dynamo: EmbeddedDynamo;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(() => dynamo.stop());

  /** A fresh keys table and grants table, so a test sees only its own keys and grants. */
  async function freshTables(): Promise<Record<string, string>> {
    const n = ++tables;
    await ensureKeysTable(dynamo.client, `keys-${n}`);
    await ensureGrantsTable(dynamo.client, `grants-${n}`);
    return { DYNAMODB_ENDPOINT: dynamo.endpoint, KEYS_TABLE_NAME: `keys-${n}`, GRANTS_TABLE_NAME: `grants-${n}` };
  }

  const cli = (argv: string[], env: Record<string, string | undefined>) => runKeys(argv, env);

  async function create(env: Record<string, string | undefined>, server = 'demo-oauth') {
    const run = await cli(['create', '--server', server, '--json'], env);
    expect(run.code).toBe(0);
    return JSON.parse(run.out) as { keyId: string; apiKey: string };
  }

  /** A grant made from `keyId` as the authorization server stores it: the Grant, a token, a refresh token. */
  async function putGrant(table: string, keyId: string, grantId: string, expiresAt: number): Promise<void> {
    const put = (item: Record<string, unknown>) => dynamo.client.send(new PutCommand({ TableName: table, Item: item }));
    await put({ id: `Grant:${grantId}`, grantId, keyId, expiresAt });
    await put({
      id: accessTokenItemId(digestToken(`token-of-${grantId}`)),
      grantId,
      keyId,
      server: 'demo-oauth',
      clientId: 'c',
      expiresAt,
    });
    // A refresh token carries no keyId: only its grant finds it.
    await put({ id: `RefreshToken:${grantId}`, grantId, expiresAt });
  }

  async function idsIn(table: string): Promise<string[]> {
    const out = await dynamo.client.send(new ScanCommand({ TableName: table }));
    return (out.Items ?? []).map((item) => String(item.id)).sort();
  }

  const later = () => Math.floor(Date.now() / 1000) + 3600;

  describe('create', () => {
    it('says which clients connect with the URL alone, and prints the header configuration with the key as Bearer', async () => {
      // Arrange
      const env = await freshTables();
      // Act
      const run = await cli(['create', '--server', 'demo-oauth', '--url', 'https://gate.example.com'], env);
      // Assert
      expect(run.code).toBe(0);
      const apiKey = KEY.exec(run.out)![0];
      expect(run.out).toMatch(/claude\.ai and Claude Desktop .*Connectors.*ChatGPT.*every client that does MCP OAuth/);
      expect(run.out).toContain('connect with the URL alone');
      expect(run.out).toContain('Authorization: Bearer <key>');
      const config = JSON.parse(run.out.slice(run.out.indexOf('{')));
      expect(config).toEqual({
        mcpServers: {
          'demo-oauth': {
            url: 'https://gate.example.com/demo-oauth/mcp',
            headers: { Authorization: `Bearer ${apiKey}` },
          },
        },
      });
    });

    it.each([
      [
        'cursor',
        (key: string) => ({
          mcpServers: { 'demo-oauth': expect.objectContaining({ headers: { Authorization: `Bearer ${key}` } }) },
        }),
      ],
      [
        'claude-desktop',
        (key: string) => ({
          mcpServers: {
            'demo-oauth': expect.objectContaining({ env: { MCP_GATE_AUTHORIZATION: `Bearer ${key}` } }),
          },
        }),
      ],
    ])('--client %s prints that client’s configuration with Authorization: Bearer <key>', async (client, expected) => {
      // Arrange
      const env = await freshTables();
      // Act
      const run = await cli(['create', '--server', 'demo-oauth', '--client', client], env);
      // Assert
      expect(run.code).toBe(0);
      const apiKey = KEY.exec(run.out)![0];
      expect(JSON.parse(run.out.slice(run.out.indexOf('{')))).toEqual(expected(apiKey));
      if (client === 'claude-desktop') expect(run.out).toMatch(/mcp-remote bridge also does OAuth/);
      expect(run.out).not.toContain('x-api-key');
    });
  });

  describe('list', () => {
    it('shows live grants for keys of oauth servers, in the table and as grants in JSON', async () => {
      // Arrange
      const env = await freshTables();
      const busy = await create(env);
      const idle = await create(env);
      const keyed = await create(env, 'demo-apikey');
      await putGrant(env.GRANTS_TABLE_NAME, busy.keyId, 'g1', later());
      await putGrant(env.GRANTS_TABLE_NAME, busy.keyId, 'g2', later());
      await putGrant(env.GRANTS_TABLE_NAME, busy.keyId, 'g-old', Math.floor(Date.now() / 1000) - 10);

      // Act
      const human = await cli(['list'], env);
      const json = await cli(['list', '--json'], env);

      // Assert
      expect(human.out.split('\n')[0]).toMatch(/^KEY ID\s+SERVER\s+STATUS\s+GRANTS\s+HINT/);
      expect(human.out).toMatch(new RegExp(`${busy.keyId}\\s+demo-oauth\\s+active\\s+2\\s`));
      expect(human.out).toMatch(new RegExp(`${idle.keyId}\\s+demo-oauth\\s+active\\s+0\\s`));
      const { keys } = JSON.parse(json.out) as { keys: Record<string, unknown>[] };
      const byId = new Map(keys.map((k) => [k.keyId, k]));
      expect(byId.get(busy.keyId)).toMatchObject({ grants: 2 });
      expect(byId.get(idle.keyId)).toMatchObject({ grants: 0 });
      expect(byId.get(keyed.keyId)).not.toHaveProperty('grants');
    });

    it('has no GRANTS column when no oauth server key is listed', async () => {
      const env = await freshTables();
      await create(env, 'demo-apikey');
      const human = await cli(['list'], env);
      expect(human.out.split('\n')[0]).toMatch(/^KEY ID\s+SERVER\s+STATUS\s+HINT/);
    });
  });

  describe('revoke and rotate end the key’s grants', () => {
    it('revoke deletes the grants of that key with their tokens and refresh tokens, and no other key’s', async () => {
      // Arrange
      const env = await freshTables();
      const gone = await create(env);
      const kept = await create(env);
      await putGrant(env.GRANTS_TABLE_NAME, gone.keyId, 'g1', later());
      await putGrant(env.GRANTS_TABLE_NAME, gone.keyId, 'g2', later());
      await putGrant(env.GRANTS_TABLE_NAME, kept.keyId, 'g3', later());
      const keptIds = [accessTokenItemId(digestToken('token-of-g3')), 'Grant:g3', 'RefreshToken:g3'].sort();
      expect(await idsIn(env.GRANTS_TABLE_NAME)).toHaveLength(9);

      // Act
      const run = await cli(['revoke', gone.keyId], env);

      // Assert
      expect(run.err).toEqual([]);
      expect(run.out).toMatch(
        /^Revoked key_[0-9a-f]{16} \(server demo-oauth\)\. .* Ended 2 OAuth grants and their tokens\.$/,
      );
      const left = await idsIn(env.GRANTS_TABLE_NAME);
      expect(left).toEqual(keptIds);
    });

    it('revoke --json says how many grants it ended', async () => {
      const env = await freshTables();
      const key = await create(env);
      await putGrant(env.GRANTS_TABLE_NAME, key.keyId, 'g1', later());
      const run = await cli(['revoke', key.keyId, '--json'], env);
      expect(JSON.parse(run.out)).toMatchObject({ keyId: key.keyId, status: 'revoked', grantsRevoked: 1 });
      expect(await idsIn(env.GRANTS_TABLE_NAME)).toEqual([]);
    });

    it('rotate ends the old key’s grants at once, even with a grace period', async () => {
      // Arrange
      const env = await freshTables();
      const old = await create(env);
      await putGrant(env.GRANTS_TABLE_NAME, old.keyId, 'g1', later());
      // Act
      const human = await cli(['rotate', old.keyId, '--grace', '1h'], env);
      // Assert
      expect(human.code).toBe(0);
      expect(human.out).toMatch(/it keeps working until .* Ended 1 OAuth grant and their tokens\./);
      expect(await idsIn(env.GRANTS_TABLE_NAME)).toEqual([]);

      const again = await create(env);
      await putGrant(env.GRANTS_TABLE_NAME, again.keyId, 'g2', later());
      const json = await cli(['rotate', again.keyId, '--json'], env);
      expect(JSON.parse(json.out)).toMatchObject({ replaces: again.keyId, grantsRevoked: 1 });
    });

    it('an apiKey server’s key says nothing of grants', async () => {
      const env = await freshTables();
      const key = await create(env, 'demo-apikey');
      const run = await cli(['revoke', key.keyId], env);
      expect(run.out).not.toMatch(/grant/i);
      expect(JSON.parse((await cli(['list', '--json'], env)).out).keys[0]).not.toHaveProperty('grants');
    });
  });

  describe('where the grants are', () => {
    it('without a grants table, list shows - and revoke says the grants were not ended', async () => {
      // Arrange: no GRANTS_TABLE_NAME, and no local stack grants table at this endpoint
      const env = { ...(await freshTables()), GRANTS_TABLE_NAME: undefined };
      const key = await create(env);
      // Act
      const list = await cli(['list'], env);
      const json = await cli(['list', '--json'], env);
      const revoke = await cli(['revoke', key.keyId], env);
      // Assert
      expect(list.out).toMatch(new RegExp(`${key.keyId}\\s+demo-oauth\\s+active\\s+-\\s`));
      expect(JSON.parse(json.out).keys[0]).not.toHaveProperty('grants');
      expect(revoke.code).toBe(0);
      expect(revoke.out).toMatch(/No grants table is configured here \(GRANTS_TABLE_NAME\)/);
    });

    it('a GRANTS_TABLE_NAME that is not a table name is a one-line error', async () => {
      const env = { ...(await freshTables()), GRANTS_TABLE_NAME: 'no such table!' };
      const run = await cli(['list'], env);
      expect(run.code).toBe(1);
      expect(run.err).toEqual([
        expect.stringMatching(/^error: GRANTS_TABLE_NAME "no such table!" is not a DynamoDB table name/),
      ]);
    });

    it("uses the local stack's own grants table beside the keys when there is one", async () => {
      // Arrange: a DynamoDB of its own, holding the local stack's grants table
      const own = await startEmbeddedDynamo();
      try {
        await ensureGrantsTable(own.client, LOCAL_GRANTS_TABLE_NAME);
        const env = { DYNAMODB_ENDPOINT: own.endpoint, KEYS_TABLE_NAME: own.tableName };
        const key = await create(env);
        await own.client.send(
          new PutCommand({
            TableName: LOCAL_GRANTS_TABLE_NAME,
            Item: { id: 'Grant:g1', grantId: 'g1', keyId: key.keyId, expiresAt: later() },
          }),
        );
        // Act
        const list = await cli(['list', '--json'], env);
        const revoke = await cli(['revoke', key.keyId], env);
        // Assert
        expect(JSON.parse(list.out).keys[0]).toMatchObject({ grants: 1 });
        expect(revoke.out).toMatch(/Ended 1 OAuth grant and their tokens\./);
      } finally {
        await own.stop();
      }
    });
  });
});
