import type { KeyRecord, KeyStore } from '../keys/key-store';

export interface CachedLookupOptions<T> {
  /** The one read behind a cache miss. */
  readonly load: (key: string) => Promise<T>;
  /** Seconds a lookup (hit or miss) is kept; 0 turns caching off. */
  readonly ttlSeconds: number;
  /** @default 10000 */
  readonly maxEntries?: number;
  readonly nowMs?: () => number;
}

interface Entry<T> {
  readonly expiresAtMs: number;
  readonly value: Promise<T>;
}

/**
 * Lookups cached in memory for a TTL (found and not found alike), bounded in size, with
 * concurrent lookups of one key sharing one read. A failed read is not cached: the next
 * request asks the store again.
 */
export class CachedLookup<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly maxEntries: number;
  private readonly nowMs: () => number;
  /** Reads sent to the store; for tests and benchmarks. */
  reads = 0;

  constructor(private readonly lookup: CachedLookupOptions<T>) {
    this.maxEntries = lookup.maxEntries ?? 10_000;
    this.nowMs = lookup.nowMs ?? Date.now;
  }

  get(key: string): Promise<T> {
    const now = this.nowMs();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAtMs > now) return cached.value;
    if (cached) this.entries.delete(key);

    this.reads++;
    const value = this.lookup.load(key);
    if (this.lookup.ttlSeconds > 0) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, { expiresAtMs: now + this.lookup.ttlSeconds * 1000, value });
      value.catch(() => {
        if (this.entries.get(key)?.value === value) this.entries.delete(key);
      });
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface LookupCacheOptions {
  readonly store: KeyStore;
  /** Seconds a lookup (hit or miss) is kept; 0 turns caching off. */
  readonly ttlSeconds: number;
  /** @default 10000 */
  readonly maxEntries?: number;
  readonly nowMs?: () => number;
}

/** Key lookups by digest, cached as `CachedLookup` caches. */
export class LookupCache extends CachedLookup<KeyRecord | undefined> {
  constructor(options: LookupCacheOptions) {
    const { store, ...rest } = options;
    super({ ...rest, load: (digest) => store.getByDigest(digest) });
  }
}
