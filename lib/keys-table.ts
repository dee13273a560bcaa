import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { KEYS_TABLE_SCHEMA } from '../lambdas/keys/table-schema';

/**
 * The DynamoDB actions the authorizer uses: `GetItem` (look a key up by digest) and
 * `UpdateItem` (record `lastUsedAt`). Nothing else.
 */
export const AUTHORIZER_TABLE_ACTIONS: readonly string[] = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];

export interface KeysTableProps {
  /**
   * What CloudFormation does with the table (and its keys) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Point-in-time recovery (continuous backups, 35 days).
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * Server-side encryption of the table.
   * @default dynamodb.TableEncryption.AWS_MANAGED (the `aws/dynamodb` KMS key, visible in the template)
   */
  readonly encryption?: dynamodb.TableEncryption.AWS_MANAGED | dynamodb.TableEncryption.DEFAULT;
}

/**
 * The table of API key digests: partition key `digest`, index `keyId-index` (by `keyId`,
 * all attributes) for the key CLI, TTL on `expiresAt`. On-demand capacity. No physical
 * name: read it from the stack output.
 */
export class KeysTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: KeysTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: KEYS_TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      encryption: props.encryption ?? dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: KEYS_TABLE_SCHEMA.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: KEYS_TABLE_SCHEMA.keyIdIndex,
      partitionKey: { name: KEYS_TABLE_SCHEMA.keyIdAttribute, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}

/**
 * Lets `grantee` do what the authorizer does on `table` and nothing more: the
 * {@link AUTHORIZER_TABLE_ACTIONS} on the table itself, not on its indexes (unlike
 * `Table.grant`, which adds `index/*`).
 */
export function grantKeyLookup(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: [...AUTHORIZER_TABLE_ACTIONS], resourceArns: [table.tableArn] });
}
