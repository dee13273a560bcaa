import { KeyConflictError, KeyNotFoundError, KeyStoreUnavailableError } from '../shared/errors';
import type { KeyRecord, KeyStore, PlanFields } from './key-store';

/** A KeyStore in memory, for unit tests and benchmarks of the pure core; integration tests use DynamoDB (dynalite). */
export class MemoryKeyStore implements KeyStore {
  readonly records = new Map<string, KeyRecord>();
  reads = 0;
  touches = 0;
  /** When set, every call fails as an outage would. */
  down = false;

  async getByDigest(digest: string): Promise<KeyRecord | undefined> {
    this.check();
    this.reads++;
    return this.records.get(digest);
  }
  async create(record: KeyRecord): Promise<void> {
    this.check();
    if (this.records.has(record.digest)) throw new KeyConflictError('exists');
    this.records.set(record.digest, record);
  }
  async getByKeyId(keyId: string): Promise<KeyRecord | undefined> {
    this.check();
    return [...this.records.values()].find((r) => r.keyId === keyId);
  }
  async list(server?: string): Promise<KeyRecord[]> {
    this.check();
    return [...this.records.values()].filter((r) => server === undefined || r.server === server);
  }
  async revoke(digest: string, at: Date): Promise<KeyRecord> {
    return this.update(digest, { status: 'revoked', revokedAt: at.toISOString() });
  }
  async setExpiry(digest: string, expiresAt: number): Promise<KeyRecord> {
    return this.update(digest, { expiresAt });
  }
  async setPlanFields(digest: string, fields: PlanFields): Promise<KeyRecord> {
    return this.update(digest, fields);
  }
  async touch(digest: string, at: Date): Promise<void> {
    this.touches++;
    if (this.records.has(digest)) await this.update(digest, { lastUsedAt: at.toISOString() });
  }
  private async update(digest: string, change: Partial<KeyRecord>): Promise<KeyRecord> {
    this.check();
    const record = this.records.get(digest);
    if (!record) throw new KeyNotFoundError('no such key');
    const next: Record<string, unknown> = { ...record, ...change };
    for (const [name, value] of Object.entries(change)) if (value === undefined) delete next[name];
    this.records.set(digest, next as unknown as KeyRecord);
    return next as unknown as KeyRecord;
  }
  private check(): void {
    if (this.down) throw new KeyStoreUnavailableError('key store GetItem failed (simulated outage)');
  }
}
