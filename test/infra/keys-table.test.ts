import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { KEYS_TABLE_SCHEMA } from '../../lambdas/keys/table-schema';
import { grantKeyLookup, KeysTable } from '../../lib/keys-table';
import { appWithoutBundling } from './support';

// Arrange once: a table with defaults and one with overrides, and a role granted the authorizer's access.
const app = appWithoutBundling();
const stack = new Stack(app, 'KeysTableTest');
const keys = new KeysTable(stack, 'Keys');
const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
grantKeyLookup(keys.table, role);
const overridden = new Stack(app, 'KeysTableOverrides');
new KeysTable(overridden, 'Keys', { removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false });
// Synthesize only after every stack of the app exists.
const template = Template.fromStack(stack);
const overriddenTemplate = Template.fromStack(overridden);

describe('KeysTable', () => {
  it('has the key schema the key store uses: digest, keyId-index (ALL), TTL on expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: KEYS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'digest', AttributeType: 'S' },
        { AttributeName: 'keyId', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'keyId-index',
          KeySchema: [{ AttributeName: 'keyId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is on-demand, point-in-time recoverable and encrypted, with no physical name', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TableName: Match.absent(),
    });
  });

  it('is retained when it leaves the stack or is replaced', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('takes overrides for removal and point-in-time recovery', () => {
    overriddenTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }),
    });
  });
});

describe('grantKeyLookup', () => {
  it('grants GetItem and UpdateItem on the table itself, not on its indexes', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [stack.getLogicalId(keys.table.node.defaultChild as never), 'Arn'] },
          },
        ],
      },
    });
  });
});
