import type { ResolvedServer } from '../../config/types';
import { InvalidInputError, KeyConflictError, KeyNotFoundError } from '../shared/errors';
import { digestApiKey, generateApiKey, generateKeyId, isWellFormedKeyId, keyHint } from './key-format';
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

export interface KeyServiceOptions {
  readonly store: KeyStore;
  readonly servers: readonly ResolvedServer[];
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * Key management: create, list, revoke, rotate. The CLI, the local stack and the tests
 * all go through this; the authorizer reads the same records through the same store.
 */
export class KeyService {
  private readonly store: KeyStore;
  private readonly servers: readonly ResolvedServer[];
  private readonly now: () => Date;

  constructor(options: KeyServiceOptions) {
    this.store = options.store;
    this.servers = options.servers;
    this.now = options.now ?? (() => new Date());
  }

  /** The server called `name` if it takes keys; otherwise `InvalidInputError` listing the ones that do. */
  keyedServer(name: string): ResolvedServer {
    const server = this.servers.find((s) => s.name === name);
    const keyed = this.servers.filter((s) => s.authMode !== 'none').map((s) => s.name);
    if (!server) {
      throw new InvalidInputError(
        `unknown server "${name}"; known servers: ${this.servers.map((s) => s.name).join(', ')}`,
      );
    }
    if (server.authMode === 'none') {
      throw new InvalidInputError(
        `server "${name}" is public (authMode none) and takes no keys; keyed servers: ${keyed.join(', ')}`,
      );
    }
    return server;
  }

  async create(input: CreateKeyInput): Promise<IssuedKey> {
    this.keyedServer(input.server);
    if (input.expiresInSeconds !== undefined && !(input.expiresInSeconds > 0)) {
      throw new InvalidInputError('the expiry must be in the future');
    }
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
        expiresAt:
          input.expiresInSeconds === undefined ? undefined : Math.floor(now.getTime() / 1000) + input.expiresInSeconds,
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
    if (server !== undefined) this.keyedServer(server);
    return (await this.store.list(server)).map(summarize);
  }

  async revoke(keyId: string): Promise<KeySummary> {
    const record = await this.find(keyId);
    return summarize(await this.store.revoke(record.digest, this.now()));
  }

  /** A new key for the same server and label; the old one stops working after `graceSeconds` (0: at once). */
  async rotate(keyId: string, graceSeconds: number): Promise<{ issued: IssuedKey; old: KeySummary }> {
    if (!(graceSeconds >= 0)) throw new InvalidInputError('the grace period must not be negative');
    const old = await this.find(keyId);
    if (old.status !== 'active') throw new InvalidInputError(`key ${keyId} is revoked; create a new key instead`);
    const remaining = old.expiresAt === undefined ? undefined : old.expiresAt - Math.floor(this.now().getTime() / 1000);
    if (remaining !== undefined && remaining <= 0)
      throw new InvalidInputError(`key ${keyId} has expired; create a new key instead`);
    const issued = await this.create({
      server: old.server,
      label: old.label,
      expiresInSeconds: remaining,
      rotatedFrom: old.keyId,
    });
    const oldEnds = Math.floor(this.now().getTime() / 1000) + graceSeconds;
    const updated =
      graceSeconds === 0
        ? await this.store.revoke(old.digest, this.now())
        : await this.store.setExpiry(old.digest, Math.min(oldEnds, old.expiresAt ?? oldEnds));
    return { issued, old: summarize(updated) };
  }

  private async find(keyId: string): Promise<KeyRecord> {
    if (!isWellFormedKeyId(keyId))
      throw new InvalidInputError(`"${keyId}" is not a key id (they look like key_0123456789abcdef)`);
    const record = await this.store.getByKeyId(keyId);
    if (!record) throw new KeyNotFoundError(`no key with id ${keyId}`);
    return record;
  }
}

function summarize(record: KeyRecord): KeySummary {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { digest, ...summary } = record;
  return summary;
}
