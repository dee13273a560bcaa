import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/keys/dynamo-client';
import { DynamoKeyStore, ensureKeysTable } from '../lambdas/keys/dynamo-key-store';
import { close, listen } from './listen';
import { acquireLock, displayPath, type Lock } from './lock';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface EmbeddedDynamoOptions {
  /** @default 'test-keys' */
  readonly tableName?: string;
  /** Loopback port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** The environment variable an out-of-range or busy port error names. @default 'DYNAMODB_PORT' */
  readonly portVariable?: string;
  /**
   * Folder that keeps the data across restarts. LevelDB opens it in one process at a time, so
   * `<path>.lock` claims it first (`LockedError` while another live process holds it).
   * @default in memory
   */
  readonly path?: string;
}

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly port: number;
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly store: DynamoKeyStore;
  /** Stops the server (closing open connections and its database). */
  stop(): Promise<void>;
  /** Brings it back on the same port: empty in memory, with its data from `path`. */
  start(): Promise<void>;
  /** Stops it for good and gives up the data folder's lock. */
  close(): Promise<void>;
}

/** dynalite on loopback with the keys table created: the one way the local stack, tests and benchmarks run DynamoDB. */
export async function startEmbeddedDynamo(options: string | EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const {
    tableName = 'test-keys',
    port: wanted = 0,
    portVariable = 'DYNAMODB_PORT',
    path,
  } = typeof options === 'string' ? { tableName: options } : options;
  let lock: Lock | undefined;
  if (path !== undefined) {
    lock = acquireLock(`${path}.lock`, displayPath(path));
    mkdirSync(path, { recursive: true });
  }
  const open = () => dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });

  let server = open();
  let port: number;
  let client: DynamoDBDocumentClient;
  try {
    port = await listen(server, wanted, portVariable);
    client = createDocumentClient({ endpoint: `http://127.0.0.1:${port}` });
    await ensureKeysTable(client, tableName);
  } catch (error) {
    await close(server);
    lock?.release();
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  lock?.setUrl(endpoint);
  return {
    endpoint,
    port,
    tableName,
    client,
    store: new DynamoKeyStore(client, tableName),
    stop: () => close(server),
    start: async () => {
      server = open();
      await listen(server, port, portVariable);
      await ensureKeysTable(client, tableName);
    },
    close: async () => {
      await close(server);
      lock?.release();
    },
  };
}
