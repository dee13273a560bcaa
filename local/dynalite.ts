import type { AddressInfo } from 'node:net';
import { createDocumentClient } from '../lambdas/keys/dynamo-client';
import { DynamoKeyStore, ensureKeysTable } from '../lambdas/keys/dynamo-key-store';
// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:http').Server;

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly port: number;
  readonly tableName: string;
  readonly store: DynamoKeyStore;
  /** Stops the server (closing open connections); `start` brings it back on the same port, empty. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** An in-memory dynalite on a free loopback port, with the keys table created. */
export async function startEmbeddedDynamo(tableName = 'test-keys'): Promise<EmbeddedDynamo> {
  let server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDocumentClient({ endpoint });
  await ensureKeysTable(client, tableName);
  return {
    endpoint,
    port,
    tableName,
    store: new DynamoKeyStore(client, tableName),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
    start: async () => {
      server = dynalite({ createTableMs: 0 });
      await listen(port);
      await ensureKeysTable(client, tableName);
    },
  };
}
