import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoOperation, DynamoTransport } from './dynamo-json';

const COMMANDS = {
  GetItem: GetItemCommand,
  PutItem: PutItemCommand,
  Query: QueryCommand,
  Scan: ScanCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  BatchWriteItem: BatchWriteItemCommand,
} as const;

/**
 * The AWS SDK's DynamoDB client (or a document client over it) as a {@link DynamoTransport}:
 * its low-level commands, whose input and output are the service's item shape. Timeouts,
 * attempts and credentials are the client's own (dynamo-client.ts).
 */
export class SdkDynamoTransport implements DynamoTransport {
  constructor(private readonly client: DynamoDBClient | DynamoDBDocumentClient) {}

  async send<T = Record<string, unknown>>(operation: DynamoOperation, input: Record<string, unknown>): Promise<T> {
    const Command = COMMANDS[operation] as unknown as new (input: Record<string, unknown>) => GetItemCommand;
    return (await (this.client as DynamoDBClient).send(new Command(input))) as T;
  }
}
