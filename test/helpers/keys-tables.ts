import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/keys/dynamo-client';
import { DynamoKeyStore, ensureKeysTable } from '../../lambdas/keys/dynamo-key-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';

/** An embedded DynamoDB for the tests of one file, and a fresh keys table per test. */
export interface KeysTables {
  /** The embedded DynamoDB's endpoint. */
  readonly endpoint: string;
  /** A document client on it. */
  readonly client: DynamoDBDocumentClient;
  /** A fresh table of its own, so a test sees only its own keys. */
  fresh(): Promise<{ table: string; store: DynamoKeyStore }>;
}

/**
 * Starts the embedded DynamoDB before the tests of the describe block (or file) it is called in
 * and stops it after them. Tables are named `<prefix>-1`, `<prefix>-2`, …
 */
export function useKeysTables(prefix: string): KeysTables {
  let dynamo: EmbeddedDynamo | undefined;
  let client: DynamoDBDocumentClient | undefined;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    client = createDocumentClient({ endpoint: dynamo.endpoint });
  });
  afterAll(() => dynamo?.stop());

  const started = (): { dynamo: EmbeddedDynamo; client: DynamoDBDocumentClient } => {
    if (!dynamo || !client) throw new Error('the embedded DynamoDB starts in beforeAll: use it inside a test');
    return { dynamo, client };
  };
  return {
    get endpoint() {
      return started().dynamo.endpoint;
    },
    get client() {
      return started().client;
    },
    async fresh() {
      const table = `${prefix}-${++tables}`;
      await ensureKeysTable(started().client, table);
      return { table, store: new DynamoKeyStore(started().client, table) };
    },
  };
}
