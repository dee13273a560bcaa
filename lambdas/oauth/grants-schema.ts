/**
 * The OAuth grants table's shape: everything the authorization server stores (clients,
 * interactions, grants, codes, access and refresh tokens), each item keyed by its model and
 * the SHA-256 of its id, so a stored item never holds a token, a code or a secret. Data only:
 * the CDK construct, the local stack, the authorization server and the authorizer read it.
 *
 * An access token's item also carries, as top-level attributes, what the REQUEST authorizer
 * needs to decide with one GetItem: `keyId`, `server`, `clientId` and `expiresAt`.
 */
export const GRANTS_TABLE_SCHEMA = {
  /** `<Model>:<sha256 hex of the id>`, e.g. `AccessToken:9f86d0…`. */
  partitionKey: 'id',
  /** Epoch seconds; DynamoDB's TTL removes expired items lazily, so readers compare it too. */
  ttlAttribute: 'expiresAt',
  grantIdIndex: 'grantId-index',
  grantIdAttribute: 'grantId',
  uidIndex: 'uid-index',
  uidAttribute: 'uid',
  keyIdIndex: 'keyId-index',
  keyIdAttribute: 'keyId',
} as const;

/** The local stack's and the tests' table name; the stack names its own. */
export const LOCAL_GRANTS_TABLE_NAME = 'mcp-gate-oauth-grants';

/** What the authorizer reads of an access token's item. */
export interface AccessTokenItem {
  readonly id: string;
  /** The API key behind the token: revoking or rotating it ends the token. */
  readonly keyId: string;
  /** The mcp-gate server the token's resource names. */
  readonly server: string;
  readonly clientId: string;
  readonly expiresAt: number;
}

/** The item id of an access token, from its SHA-256 hex digest. */
export function accessTokenItemId(tokenDigestHex: string): string {
  return `AccessToken:${tokenDigestHex}`;
}
