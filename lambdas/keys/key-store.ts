/** One key as stored: never the key itself, only its digest. */
export interface KeyRecord {
  /** SHA-256 of the key (hex): the table's partition key. Never logged or shown. */
  readonly digest: string;
  /** Public id: safe to log, list and pass to `revoke`/`rotate`. */
  readonly keyId: string;
  /** The one server this key opens. */
  readonly server: string;
  readonly label?: string;
  /** Prefix and last characters, for people to recognise a key; cannot rebuild it. */
  readonly hint: string;
  readonly status: 'active' | 'revoked';
  /** ISO-8601. */
  readonly createdAt: string;
  /** Epoch seconds; also the table's TTL attribute. The authorizer checks it itself. */
  readonly expiresAt?: number;
  /** ISO-8601; updated at most about once a minute per key. */
  readonly lastUsedAt?: string;
  /** ISO-8601. */
  readonly revokedAt?: string;
  /** The key id this key replaced, when made by `rotate`. */
  readonly rotatedFrom?: string;
  /** The key's usage plan (config/plans.ts); absent on keys made before plans: `default`. */
  readonly plan?: string;
  /**
   * A random identifier of its own, never derived from the key: the value of the key's API
   * Gateway API key, which the authorizer returns as `usageIdentifierKey`. Not a credential
   * (clients cannot send it), but lists do not show it.
   */
  readonly usageIdentifierKey?: string;
  /** The id of the key's API Gateway API key, once `npm run keys` made it (AWS only). */
  readonly apiKeyId?: string;
}

/** A key as lists show it: everything but the digest and its API Gateway key's identifiers. */
export type KeySummary = Omit<KeyRecord, 'digest' | 'usageIdentifierKey' | 'apiKeyId'> & {
  /** The key has no usage identifier, or (on AWS) no API Gateway key yet: `npm run keys -- sync-plans` fixes it. */
  readonly needsSync?: true;
};

/** What `setPlanFields` may change: the plan and the key's usage identifiers. */
export type PlanFields = Partial<Pick<KeyRecord, 'plan' | 'usageIdentifierKey' | 'apiKeyId'>>;

/**
 * Where keys live. The DynamoDB adapter is the real one; the interface keeps the
 * authorizer core and the key service testable without AWS.
 * Implementations throw `KeyStoreUnavailableError` when the store cannot answer.
 */
export interface KeyStore {
  /** The key with this digest, or undefined. One read; cost independent of the number of keys. */
  getByDigest(digest: string): Promise<KeyRecord | undefined>;
  /** Stores a new key; throws `KeyConflictError` if the digest exists (never overwrites). */
  create(record: KeyRecord): Promise<void>;
  /** The key with this public id, or undefined. */
  getByKeyId(keyId: string): Promise<KeyRecord | undefined>;
  /** Every key, or those of one server. */
  list(server?: string): Promise<KeyRecord[]>;
  /** Marks the key revoked at `at`; throws `KeyNotFoundError` if it does not exist. */
  revoke(digest: string, at: Date): Promise<KeyRecord>;
  /** Sets the key's expiry (epoch seconds); throws `KeyNotFoundError` if it does not exist. */
  setExpiry(digest: string, expiresAt: number): Promise<KeyRecord>;
  /**
   * Sets the given plan fields (an `undefined` value removes the attribute); throws
   * `KeyNotFoundError` if the key does not exist.
   */
  setPlanFields(digest: string, fields: PlanFields): Promise<KeyRecord>;
  /** Records a use; best effort. */
  touch(digest: string, at: Date): Promise<void>;
}
