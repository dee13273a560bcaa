import type { ResolvedServer } from '../../config/types';
import { InvalidInputError, KeyConflictError, KeyNotFoundError } from '../shared/errors';
import {
  checkKeyId,
  checkLabel,
  digestApiKey,
  generateApiKey,
  generateKeyId,
  isExpired,
  keyHint,
  MAX_DURATION_SECONDS,
  MAX_DURATION_TEXT,
} from './key-format';
import type { KeyRecord, KeyStore, KeySummary } from './key-store';

/** A key just made: the only moment its plaintext exists outside the client. */
export interface IssuedKey {
  readonly apiKey: string;
  readonly record: KeySummary;
}

export interface CreateKeyInput {
  readonly server: string;
  readonly label?: string;
  /** Seconds from now until the key stops working. */
  readonly expiresInSeconds?: number;
  /** Set by `rotate`: the key this one replaces. */
  readonly rotatedFrom?: string;
}

export interface RotateOptions {
  /** Seconds from now until the new key stops working. @default the old key's remaining lifetime (none: no expiry) */
  readonly expiresInSeconds?: number;
}

/**
 * The OAuth grants made from keys (the grants table's token store implements it): kept here
 * so key management ends them without depending on the authorization server's code.
 */
export interface KeyGrants {
  /** Deletes every grant made from this key, with its codes and tokens; answers how many grants there were. */
  revokeGrantsOfKey(keyId: string): Promise<number>;
}

export interface KeyServiceOptions {
  readonly store: KeyStore;
  readonly servers: readonly ResolvedServer[];
  /**
   * Where a key's OAuth grants are, ended on revoke and rotate: the grants themselves, or how to
   * find them (undefined: there are none here). @default none: no grants are ended
   */
  readonly grants?: KeyGrants | (() => Promise<KeyGrants | undefined>);
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** A key just revoked, and how many OAuth grants ended with it (undefined: no grants here). */
export interface RevokedKey {
  readonly key: KeySummary;
  readonly grantsEnded?: number;
}

/**
 * Key management: create, list, revoke, rotate. The CLI, the local stack and the tests
 * all go through this; the authorizer reads the same records through the same store.
 */
export class KeyService {
  private readonly store: KeyStore;
  private readonly servers: readonly ResolvedServer[];
  private readonly now: () => Date;
  private readonly grants: () => Promise<KeyGrants | undefined>;

  constructor(options: KeyServiceOptions) {
    this.store = options.store;
    this.servers = options.servers;
    this.now = options.now ?? (() => new Date());
    const grants = options.grants;
    this.grants = typeof grants === 'function' ? grants : async () => grants;
  }

  /** Checks every input, then stores a new key. Nothing is written when an input is wrong. */
  async create(input: CreateKeyInput): Promise<IssuedKey> {
    keyedServer(this.servers, input.server);
    if (input.label !== undefined) checkLabel(input.label);
    if (input.expiresInSeconds !== undefined) checkLifetime(input.expiresInSeconds, 'the expiry');
    const now = this.now();
    return this.issue(
      input,
      input.expiresInSeconds === undefined ? undefined : Math.floor(now.getTime() / 1000) + input.expiresInSeconds,
    );
  }

  private async issue(input: CreateKeyInput, expiresAt: number | undefined): Promise<IssuedKey> {
    const now = this.now();
    // A digest collision among 192-bit keys will not happen; the retry only guards the conditional write's contract.
    for (let attempt = 0; ; attempt++) {
      const apiKey = generateApiKey();
      const record: KeyRecord = {
        digest: digestApiKey(apiKey),
        keyId: generateKeyId(),
        server: input.server,
        label: input.label,
        hint: keyHint(apiKey),
        status: 'active',
        rotatedFrom: input.rotatedFrom,
        createdAt: now.toISOString(),
        expiresAt,
      };
      try {
        await this.store.create(record);
        return { apiKey, record: summarize(record) };
      } catch (error) {
        if (!(error instanceof KeyConflictError) || attempt >= 2) throw error;
      }
    }
  }

  async list(server?: string): Promise<KeySummary[]> {
    if (server !== undefined) keyedServer(this.servers, server);
    return (await this.store.list(server)).map(summarize);
  }

  /**
   * Revokes the key, then ends its OAuth grants (for every key, so a server that changed mode
   * leaves none behind). The grants are found before anything is written.
   */
  async revoke(keyId: string): Promise<RevokedKey> {
    const grants = await this.grants();
    const record = await this.find(keyId);
    const key = summarize(await this.store.revoke(record.digest, this.now()));
    return { key, grantsEnded: await grants?.revokeGrantsOfKey(record.keyId) };
  }

  /**
   * A new key for the same server and label; the old one stops working after `graceSeconds` (0: at once).
   * The new key expires when the old one would, unless `options.expiresInSeconds` says otherwise.
   * The old key's OAuth grants end now, whatever the grace period: a client signs in again with
   * the new key. `grantsEnded`: how many (undefined: no grants here).
   */
  async rotate(
    keyId: string,
    graceSeconds: number,
    options: RotateOptions = {},
  ): Promise<{ issued: IssuedKey; old: KeySummary; grantsEnded?: number }> {
    if (!(graceSeconds >= 0)) throw new InvalidInputError('the grace period must not be negative');
    if (!Number.isInteger(graceSeconds) || graceSeconds > MAX_DURATION_SECONDS)
      throw new InvalidInputError(`the grace period must be a whole number of seconds up to ${MAX_DURATION_TEXT}`);
    if (options.expiresInSeconds !== undefined) checkLifetime(options.expiresInSeconds, 'the expiry');
    const grants = await this.grants();
    const old = await this.find(keyId);
    if (old.status !== 'active') throw new InvalidInputError(`key ${keyId} is revoked; create a new key instead`);
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    const oldExpiry: unknown = old.expiresAt;
    if (isExpired(old, nowSeconds)) throw new InvalidInputError(`key ${keyId} has expired; create a new key instead`);
    let expiresAt: number | undefined;
    if (options.expiresInSeconds !== undefined) expiresAt = nowSeconds + options.expiresInSeconds;
    else if (oldExpiry !== undefined) {
      if (
        typeof oldExpiry !== 'number' ||
        !Number.isInteger(oldExpiry) ||
        oldExpiry - nowSeconds > MAX_DURATION_SECONDS
      )
        throw new InvalidInputError(
          `key ${keyId} has an expiry the new key cannot inherit (unreadable, or more than ${MAX_DURATION_TEXT} away); ` +
            'give the new key its own with an explicit expiry',
        );
      expiresAt = oldExpiry;
    }
    const issued = await this.issue(
      { server: keyedServer(this.servers, String(old.server)).name, label: labelOf(old), rotatedFrom: old.keyId },
      expiresAt,
    );
    const oldEnds = nowSeconds + graceSeconds;
    const updated =
      graceSeconds === 0
        ? await this.store.revoke(old.digest, this.now())
        : await this.store.setExpiry(
            old.digest,
            typeof oldExpiry === 'number' && Number.isFinite(oldExpiry) ? Math.min(oldEnds, oldExpiry) : oldEnds,
          );
    return { issued, old: summarize(updated), grantsEnded: await grants?.revokeGrantsOfKey(old.keyId) };
  }

  private async find(keyId: string): Promise<KeyRecord> {
    checkKeyId(keyId);
    const record = await this.store.getByKeyId(keyId);
    if (!record) throw new KeyNotFoundError(`no key with id ${keyId}`);
    return record;
  }
}

/** The server called `name` if it takes keys; otherwise `InvalidInputError` listing the ones that do. */
export function keyedServer(servers: readonly ResolvedServer[], name: string): ResolvedServer {
  const server = servers.find((s) => s.name === name);
  const keyed = servers.filter((s) => s.authMode !== 'none').map((s) => s.name);
  if (!server) {
    throw new InvalidInputError(`unknown server "${name}"; known servers: ${servers.map((s) => s.name).join(', ')}`);
  }
  if (server.authMode === 'none') {
    throw new InvalidInputError(
      `server "${name}" is public (authMode none) and takes no keys; keyed servers: ${keyed.join(', ')}`,
    );
  }
  return server;
}

/** The lifetime of a new key: a whole number of seconds, in the future, at most 10 years. */
function checkLifetime(seconds: number, what: string): void {
  if (!(seconds > 0)) throw new InvalidInputError(`${what} must be in the future`);
  if (!Number.isInteger(seconds) || seconds > MAX_DURATION_SECONDS)
    throw new InvalidInputError(`${what} must be a whole number of seconds up to ${MAX_DURATION_TEXT}`);
}

/** A stored label carried over by rotate: kept as its owner wrote it (outputs escape it); anything but text is dropped. */
function labelOf(record: KeyRecord): string | undefined {
  return typeof record.label === 'string' ? record.label : undefined;
}

const SUMMARY_FIELDS = [
  'keyId',
  'server',
  'label',
  'hint',
  'status',
  'createdAt',
  'expiresAt',
  'lastUsedAt',
  'revokedAt',
  'rotatedFrom',
] as const satisfies readonly (keyof KeySummary)[];

/**
 * A record without its digest. Only the known fields are copied: a record written by other
 * means may carry attributes nobody meant to show.
 */
function summarize(record: KeyRecord): KeySummary {
  const summary: Record<string, unknown> = {};
  for (const field of SUMMARY_FIELDS) if (record[field] !== undefined) summary[field] = record[field];
  return summary as unknown as KeySummary;
}
