/**
 * DynamoDB's low-level item shape (`{ S: '…' }`, `{ N: '1' }`, …) and the one call the key
 * store and the grants table make of a client. No AWS SDK here: the authorizer's and the
 * OAuth authorization server's bundles carry this module.
 */

/** A DynamoDB attribute value in the service's own JSON. */
export type AttributeValue = Readonly<Record<string, unknown>>;
export type Item = Record<string, AttributeValue>;

/** The item operations the key store and the grants table use. */
export type DynamoOperation = 'GetItem' | 'PutItem' | 'Query' | 'Scan' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

/**
 * A way to DynamoDB: `operation` with `input` in the service's JSON shape, answered in the same
 * shape, or thrown as an error named as DynamoDB names it (`ConditionalCheckFailedException`, …).
 * The AWS SDK's client (sdk-dynamo-transport.ts) and the signed one (signed-dynamo-client.ts) are both.
 */
export interface DynamoTransport {
  send<T = Record<string, unknown>>(operation: DynamoOperation, input: Record<string, unknown>): Promise<T>;
}

/**
 * An item as a plain object that never fails to convert: numbers become JavaScript numbers
 * (possibly rounded; `Infinity` past the double range), sets become arrays, binaries `Buffer`s
 * (from base64 in the service's JSON, or the bytes the SDK already decoded).
 */
export function unmarshallItem(item: Item): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, unmarshallValue(value)]));
}

function unmarshallValue(value: AttributeValue): unknown {
  const [type, raw] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
    case 'BOOL':
      return raw;
    case 'N':
      return Number(raw);
    case 'NULL':
      return null;
    case 'B':
      return bytes(raw);
    case 'SS':
      return [...(raw as string[])];
    case 'NS':
      return (raw as string[]).map(Number);
    case 'BS':
      return (raw as unknown[]).map(bytes);
    case 'L':
      return (raw as AttributeValue[]).map(unmarshallValue);
    case 'M':
      return unmarshallItem(raw as Item);
    default:
      return undefined;
  }
}

function bytes(raw: unknown): Buffer {
  return raw instanceof Uint8Array ? Buffer.from(raw) : Buffer.from(String(raw), 'base64');
}

/** A flat record of strings and numbers as an item; undefined attributes are left out. */
export function marshallRecord(record: Readonly<Record<string, unknown>>): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (typeof value === 'number') item[name] = { N: String(value) };
    else if (typeof value === 'boolean') item[name] = { BOOL: value };
    else item[name] = { S: String(value) };
  }
  return item;
}
