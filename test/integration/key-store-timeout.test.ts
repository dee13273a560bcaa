import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { servers } from '../../config/servers';
import { runKeysCli } from '../../cli/keys';
import { createAuthorizerHandler } from '../../lambdas/authorizer/handler';
import { createDocumentClient, DYNAMO_TIMEOUTS } from '../../lambdas/keys/dynamo-client';
import { DynamoKeyStore } from '../../lambdas/keys/dynamo-key-store';
import type { KeyStore } from '../../lambdas/keys/key-store';
import { SignedDynamoClient } from '../../lambdas/keys/signed-dynamo-client';
import { SignedDynamoKeyStore } from '../../lambdas/keys/signed-key-store';
import { KeyStoreUnavailableError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';
import { authorizerEvent } from '../helpers/events';

/**
 * A DynamoDB endpoint that accepts connections and never answers (a stalled network path,
 * a hung proxy). The request timeout must end each attempt, and the SDK's retries must
 * stop after `maxAttempts`: the authorizer fails closed with an outage, not a Lambda timeout,
 * and the key CLI exits with one line instead of hanging.
 */
describe('a DynamoDB endpoint that never answers', () => {
  let silent: Server;
  let endpoint: string;
  let connections = 0;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    silent = createServer((socket) => {
      connections++;
      sockets.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    connections = 0;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  // Both adapters: the SDK's, and the signed one the authorizer function runs on.
  const adapters: ReadonlyArray<readonly [string, () => KeyStore]> = [
    ['DynamoKeyStore (AWS SDK)', () => new DynamoKeyStore(createDocumentClient({ endpoint }), 'keys')],
    [
      'SignedDynamoKeyStore (aws4)',
      () => new SignedDynamoKeyStore(new SignedDynamoClient({ endpoint, env: {} }), 'keys'),
    ],
  ];

  it.each(adapters)(
    'makes the authorizer on %s fail with key-store-unavailable after maxAttempts attempts',
    async (_name, storeOf) => {
      const logs: Record<string, unknown>[] = [];
      const handler = createAuthorizerHandler({
        store: storeOf(),
        servers,
        logger: createLogger('authorizer', { sink: (line) => logs.push(JSON.parse(line)) }),
      });

      const error = await handler(authorizerEvent('1.0', 'apikey', { apiKey: 'mcpg_' + 'T'.repeat(32) }) as never).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(KeyStoreUnavailableError);
      expect((error as Error).message).toMatch(/GetItem failed \(TimeoutError/);
      expect(connections).toBe(DYNAMO_TIMEOUTS.maxAttempts);
      expect(logs).toEqual([
        expect.objectContaining({ level: 'error', decision: 'error', reason: 'key-store-unavailable' }),
      ]);
    },
    20_000,
  );

  it('makes `keys list` exit 1 with a one-line error', async () => {
    const out: string[] = [];
    const err: string[] = [];

    const code = await runKeysCli(['list'], {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      env: { DYNAMODB_ENDPOINT: endpoint, KEYS_TABLE_NAME: 'keys' },
    });

    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    // It names the failure as a timeout and gives no stack trace.
    expect(err[0]).toMatch(/^error: .*(TimeoutError|ETIMEDOUT)/);
    expect(err[0]).not.toMatch(/\n|\s{4}at /);
    expect(connections).toBe(DYNAMO_TIMEOUTS.maxAttempts);
  }, 20_000);
});
