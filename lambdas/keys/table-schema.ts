/**
 * The keys table's shape. Data only: the CDK construct imports it without loading the AWS SDK,
 * and the DynamoDB adapter and the local stack create the same table from it.
 */
export const KEYS_TABLE_SCHEMA = {
  partitionKey: 'digest',
  keyIdIndex: 'keyId-index',
  keyIdAttribute: 'keyId',
  ttlAttribute: 'expiresAt',
} as const;
