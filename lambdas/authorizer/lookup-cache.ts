import type { KeyRecord, KeyStore } from '../keys/key-store';

export interface LookupCacheOptions {
  readonly store: KeyStore;
  /** Seconds a lookup (hit or miss) is kept; 0 turns caching off. */
  readonly ttlSeconds: number;
  /** @default 10000 */
  readonly maxEntries?: number;
  readonly nowMs?: () => number;
}

interface Entry {
  readonly expiresAtMs: number;
  readonly value: Promise<KeyRecord | undefined>;
}

/**
 * Key lookups by digest, cached in memory for a TTL (found and not found alike), bounded in
 * size, with concurrent lookups of one digest sharing one read. A failed read is not cached:
 * the next request asks the store again.
 */
export class LookupCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly nowMs: () => number;
  /** Reads sent to the store; for tests and benchmarks. */
  reads = 0;

  constructor(private readonly options: LookupCacheOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.nowMs = options.nowMs ?? Date.now;
  }

  get(digest: string): Promise<KeyRecord | undefined> {
    const now = this.nowMs();
    const cached = this.entries.get(digest);
    if (cached && cached.expiresAtMs > now) return cached.value;
    if (cached) this.entries.delete(digest);

    this.reads++;
    const value = this.options.store.getByDigest(digest);
    if (this.options.ttlSeconds > 0) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(digest, { expiresAtMs: now + this.options.ttlSeconds * 1000, value });
      value.catch(() => {
        if (this.entries.get(digest)?.value === value) this.entries.delete(digest);
      });
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
