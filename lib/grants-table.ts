import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { GRANTS_TABLE_SCHEMA } from '../lambdas/oauth/grants-schema';

export interface GrantsTableProps {
  /**
   * What CloudFormation does with the table (and the grants in it) when it leaves the stack.
   * @default RemovalPolicy.RETAIN, as for the keys table
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The OAuth grants table (lambdas/oauth/grants-schema.ts): partition key `id`, the
 * `grantId-index`, `uid-index` and `keyId-index` indexes the authorization server and the key
 * CLI query, TTL on `expiresAt`. On-demand, point-in-time recovery, AWS-managed encryption,
 * no physical name.
 */
export class GrantsTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: GrantsTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: GRANTS_TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: GRANTS_TABLE_SCHEMA.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const [indexName, attribute] of [
      [GRANTS_TABLE_SCHEMA.grantIdIndex, GRANTS_TABLE_SCHEMA.grantIdAttribute],
      [GRANTS_TABLE_SCHEMA.uidIndex, GRANTS_TABLE_SCHEMA.uidAttribute],
      [GRANTS_TABLE_SCHEMA.keyIdIndex, GRANTS_TABLE_SCHEMA.keyIdAttribute],
    ] as const) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: attribute, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
