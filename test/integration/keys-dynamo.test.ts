import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { servers } from '../../config/servers';
import { createAuthorizerHandler, type AuthorizerHandler } from '../../lambdas/authorizer/handler';
import { digestApiKey } from '../../lambdas/keys/key-format';
import { KeyService } from '../../lambdas/keys/key-service';
import type { KeyStore } from '../../lambdas/keys/key-store';
import { SignedDynamoClient } from '../../lambdas/keys/signed-dynamo-client';
import { SignedDynamoKeyStore } from '../../lambdas/keys/signed-key-store';
import { runKeysCli } from '../../cli/keys';
import { createLogger } from '../../lambdas/shared/logger';
import { evaluatePolicy } from '../../local/iam';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import { arnFor, authorizerEvent } from '../helpers/events';

const TOKEN = 'Bearer downstream-token-integration';

/**
 * The key store contract, run on both DynamoDB adapters: the AWS SDK's (the key CLI, the local
 * stack) and the signed one the authorizer function runs on. Both must pass the same tests.
 */
const ADAPTERS: ReadonlyArray<readonly [string, (dynamo: EmbeddedDynamo) => KeyStore]> = [
  ['DynamoKeyStore (AWS SDK)', (dynamo) => dynamo.store],
  [
    'SignedDynamoKeyStore (aws4)',
    (dynamo) =>
      new SignedDynamoKeyStore(new SignedDynamoClient({ endpoint: dynamo.endpoint, env: {} }), dynamo.tableName),
  ],
];

describe.each(ADAPTERS)('key store %s on DynamoDB (dynalite) with the real authorizer handler', (adapter, storeOf) => {
  let dynamo: EmbeddedDynamo;
  let store: KeyStore;
  let service: KeyService;
  let handler: AuthorizerHandler;
  const logged: string[] = [];
  const clock = { ms: Date.now() };

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    store = storeOf(dynamo);
    service = new KeyService({ store, servers });
    handler = createAuthorizerHandler({
      store,
      servers,
      clock: () => clock.ms,
      logger: createLogger('authorizer', { sink: (line) => logged.push(line) }),
    });
  });

  afterAll(async () => {
    // The last lastUsedAt writes land before the store goes away.
    await handler.core.settle();
    await dynamo.stop();
  });

  const authorize = (event: Record<string, unknown>) => handler(event as never);

  it('create → authorize → revoke → deny', async () => {
    const { apiKey, record } = await service.create({ server: 'demo-apikey', label: 'laptop' });
    const event = authorizerEvent('1.0', 'apikey', { apiKey });

    const allowed = await authorize(event);
    expect(evaluatePolicy(allowed.policyDocument, event.methodArn as string)).toBe('allow');
    expect(allowed.context).toEqual({ server: 'demo-apikey', keyId: record.keyId, authMode: 'apiKey' });

    await service.revoke(record.keyId);
    await expect(authorize(event)).rejects.toThrow(/^Unauthorized$/);
  });

  it('stores only the digest: the key appears nowhere in the table', async () => {
    const { apiKey, record } = await service.create({ server: 'demo-apikey' });
    const stored = await store.getByDigest(digestApiKey(apiKey));
    expect(stored).toMatchObject({ keyId: record.keyId, server: 'demo-apikey', status: 'active' });
    expect(JSON.stringify(await store.list())).not.toContain(apiKey);
  });

  it('never overwrites an existing key', async () => {
    const { apiKey } = await service.create({ server: 'demo-apikey' });
    const existing = (await store.getByDigest(digestApiKey(apiKey)))!;
    await expect(store.create({ ...existing, server: 'demo-passthrough' })).rejects.toThrow(/already exists/);
    expect((await store.getByDigest(existing.digest))?.server).toBe('demo-apikey');
  });

  it('denies an expired key although DynamoDB has not deleted it', async () => {
    const timed = new KeyService({ store: store, servers, now: () => new Date(clock.ms) });
    const { apiKey } = await timed.create({ server: 'demo-apikey', expiresInSeconds: 1 });
    const event = authorizerEvent('2.0', 'apikey', { apiKey });
    await expect(authorize(event)).resolves.toHaveProperty('principalId');

    clock.ms += 1_100;

    await expect(authorize(event)).rejects.toThrow(/^Unauthorized$/);
    expect(await store.getByDigest(digestApiKey(apiKey))).toBeDefined();
  });

  it('keeps servers apart: a key of one server never opens another', async () => {
    const apikeyKey = (await service.create({ server: 'demo-apikey' })).apiKey;
    const passKey = (await service.create({ server: 'demo-passthrough' })).apiKey;

    const onPassthrough = authorizerEvent('1.0', 'passthrough', { apiKey: apikeyKey, authorization: TOKEN });
    const policy = await authorize(onPassthrough);
    expect(evaluatePolicy(policy.policyDocument, onPassthrough.methodArn as string)).toBe('implicit-deny');

    const onApikey = authorizerEvent('2.0', 'apikey', { apiKey: passKey, authorization: TOKEN });
    const other = await authorize(onApikey);
    expect(evaluatePolicy(other.policyDocument, onApikey.routeArn as string)).toBe('implicit-deny');
    expect(evaluatePolicy(other.policyDocument, arnFor(onApikey, 'demo-passthrough'))).toBe('allow');
  });

  it('rotates: the new key works, the old one until the grace period ends', async () => {
    const clock = { now: Date.now() };
    const timed = new KeyService({ store: store, servers, now: () => new Date(clock.now) });
    const old = await timed.create({ server: 'demo-apikey', label: 'ci' });
    const { issued, old: after } = await timed.rotate(old.record.keyId, 3600);

    expect(issued.record).toMatchObject({ server: 'demo-apikey', label: 'ci', rotatedFrom: old.record.keyId });
    expect(after.expiresAt).toBe(Math.floor(clock.now / 1000) + 3600);
    await expect(authorize(authorizerEvent('1.0', 'apikey', { apiKey: issued.apiKey }))).resolves.toHaveProperty(
      'principalId',
    );
    await expect(authorize(authorizerEvent('1.0', 'apikey', { apiKey: old.apiKey }))).resolves.toHaveProperty(
      'principalId',
    );

    const immediate = await timed.rotate(issued.record.keyId, 0);
    expect(immediate.old.status).toBe('revoked');
    await expect(authorize(authorizerEvent('1.0', 'apikey', { apiKey: issued.apiKey }))).rejects.toThrow(
      /^Unauthorized$/,
    );
  });

  it('throws nothing but Unauthorized for any header set, and allows only valid keys of the route', async () => {
    const valid = (await service.create({ server: 'demo-apikey' })).apiKey;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('x-api-key', 'X-Api-Key', 'authorization', 'accept'),
          fc.oneof(fc.string(), fc.constant(valid)),
          { maxKeys: 4 },
        ),
        fc.constantFrom('1.0', '2.0'),
        async (headers, version) => {
          const event = authorizerEvent(version as '1.0', 'apikey', {});
          event.headers = headers;
          delete event.multiValueHeaders;
          try {
            const result = await authorize(event);
            expect(
              Object.entries(headers)
                .find(([n]) => n.toLowerCase() === 'x-api-key')?.[1]
                .trim(),
            ).toBe(valid);
            expect(result.context?.server).toBe('demo-apikey');
          } catch (error) {
            expect((error as Error).message).toBe('Unauthorized');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never logs a key, a digest or an Authorization value', () => {
    const all = logged.join('');
    expect(all).toContain('"decision":"allow"');
    expect(all).not.toMatch(/mcpg_[A-Za-z0-9_-]{32}/);
    expect(all).not.toMatch(/[0-9a-f]{64}/);
    expect(all).not.toContain('downstream-token');
  });

  // The key CLI runs on the SDK's adapter only: once is enough.
  if (adapter.startsWith('DynamoKeyStore'))
    describe('key CLI', () => {
      const io = () => {
        const out: string[] = [];
        const err: string[] = [];
        return {
          out,
          err,
          io: {
            out: (t: string) => out.push(t),
            err: (t: string) => err.push(t),
            env: { DYNAMODB_ENDPOINT: dynamo.endpoint, KEYS_TABLE_NAME: dynamo.tableName },
          },
        };
      };

      it('creates a key and prints it once with a ready-to-paste client config', async () => {
        const run = io();
        expect(
          await runKeysCli(
            ['create', '--server', 'demo-passthrough', '--label', 'cli', '--url', 'http://127.0.0.1:3000'],
            run.io,
          ),
        ).toBe(0);
        const text = run.out.join('\n');
        const apiKey = /mcpg_[A-Za-z0-9_-]{32}/.exec(text)![0];
        const config = JSON.parse(text.slice(text.indexOf('{')));
        expect(config).toEqual({
          mcpServers: {
            'demo-passthrough': {
              url: 'http://127.0.0.1:3000/demo-passthrough/mcp',
              headers: { 'x-api-key': apiKey, Authorization: 'Bearer <your token>' },
            },
          },
        });
        await expect(
          authorize(authorizerEvent('1.0', 'passthrough', { apiKey, authorization: TOKEN })),
        ).resolves.toHaveProperty('principalId');
      });

      it('with --json prints exactly one JSON object; list never shows a secret; revoke denies', async () => {
        const created = io();
        expect(
          await runKeysCli(['create', '--server', 'demo-apikey', '--expires-in', '30d', '--json'], created.io),
        ).toBe(0);
        expect(created.out).toHaveLength(1);
        const key = JSON.parse(created.out[0]);
        expect(key).toMatchObject({
          server: 'demo-apikey',
          keyId: expect.stringMatching(/^key_/),
          apiKey: expect.stringMatching(/^mcpg_/),
        });
        expect(key.clientConfig.mcpServers['demo-apikey'].headers).toEqual({ 'x-api-key': key.apiKey });

        const listed = io();
        expect(await runKeysCli(['list', '--server', 'demo-apikey', '--json'], listed.io)).toBe(0);
        const { keys } = JSON.parse(listed.out.join(''));
        expect(keys.map((k: { keyId: string }) => k.keyId)).toContain(key.keyId);
        expect(keys.every((k: Record<string, unknown>) => k.server === 'demo-apikey' && !('digest' in k))).toBe(true);
        expect(listed.out.join('')).not.toContain(key.apiKey);
        expect(listed.out.join('')).not.toContain(digestApiKey(key.apiKey));

        const human = io();
        expect(await runKeysCli(['list'], human.io)).toBe(0);
        expect(human.out.join('\n')).toMatch(new RegExp(`${key.keyId}\\s+demo-apikey\\s+active`));

        expect(await runKeysCli(['revoke', key.keyId], io().io)).toBe(0);
        await expect(authorize(authorizerEvent('1.0', 'apikey', { apiKey: key.apiKey }))).rejects.toThrow(
          /^Unauthorized$/,
        );
      });

      it.each([
        [
          ['create', '--server', 'nope'],
          /unknown server "nope"; known servers: demo-public, demo-apikey, demo-passthrough/,
        ],
        [['create', '--server', 'demo-public'], /is public/],
        [['create'], /needs --server/],
        [['create', '--server', 'demo-apikey', '--expires-in', 'soon'], /not a duration/],
        [['revoke', 'key_0000000000000000'], /no key with id/],
        [['revoke', 'bogus'], /not a key id/],
        [['rotate'], /usage: rotate KEY_ID/],
        [['frobnicate'], /unknown command/],
        [['list', '--bogus'], /Unknown option/],
      ])('fails with a clear message and a non-zero exit: %j', async (argv, message) => {
        const run = io();
        expect(await runKeysCli(argv, run.io)).not.toBe(0);
        expect(run.err.join('\n')).toMatch(message);
        expect(run.out).toEqual([]);
      });

      it('runs as `npm run keys` does, in its own process', async () => {
        const { stdout: out } = await promisify(execFile)(
          process.execPath,
          [
            join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'),
            'bin/keys.ts',
            'create',
            '--server',
            'demo-apikey',
            '--json',
          ],
          {
            cwd: join(__dirname, '..', '..'),
            env: { ...process.env, DYNAMODB_ENDPOINT: dynamo.endpoint, KEYS_TABLE_NAME: dynamo.tableName },
          },
        );
        const key = JSON.parse(out);
        await expect(authorize(authorizerEvent('1.0', 'apikey', { apiKey: key.apiKey }))).resolves.toHaveProperty(
          'principalId',
        );

        const failed = promisify(execFile)(
          process.execPath,
          [
            join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'),
            'bin/keys.ts',
            'revoke',
            'key_ffffffffffffffff',
          ],
          {
            cwd: join(__dirname, '..', '..'),
            env: { ...process.env, DYNAMODB_ENDPOINT: dynamo.endpoint, KEYS_TABLE_NAME: dynamo.tableName },
          },
        );
        await expect(failed).rejects.toMatchObject({
          code: 1,
          stderr: expect.stringMatching(/no key with id key_ffffffffffffffff/),
        });
      });
    });

  it('fails closed when DynamoDB is down, then recovers', async () => {
    const event = authorizerEvent('1.0', 'apikey', { apiKey: 'mcpg_' + 'D'.repeat(32) });
    await dynamo.stop();
    try {
      const error = await authorize(event).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toBeDefined();
      expect(error!.message).not.toBe('Unauthorized');
      expect(error!.name).toBe('KeyStoreUnavailableError');
      expect(logged.join('')).toContain('"reason":"key-store-unavailable"');
    } finally {
      await dynamo.start();
    }
    const { apiKey } = await service.create({ server: 'demo-apikey' });
    await expect(authorize(authorizerEvent('1.0', 'apikey', { apiKey }))).resolves.toHaveProperty('principalId');
  });
});
