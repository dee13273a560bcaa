/**
 * Part 1: the authorizer's hot path in-process. Decisions per second with a cache hit next to
 * a no-op authorizer returning a fixed Allow (the floor); cache misses against dynalite; a
 * table of 10 keys next to one of 100,000; DynamoDB reads per 1,000 requests with one key.
 *
 * Each decision is one call of the handler handler.ts builds (parse the event, authorize, answer
 * the policy or throw), awaited one at a time: a Lambda container handles one event at a time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { servers } from '../config/servers';
import { createAuthorizerHandler, type AuthorizerHandler } from '../lambdas/authorizer/handler';
import { allowPolicy } from '../lambdas/authorizer/policy';
import { createDocumentClient } from '../lambdas/keys/dynamo-client';
import { DynamoKeyStore } from '../lambdas/keys/dynamo-key-store';
import { digestApiKey, generateApiKey, generateKeyId, keyHint } from '../lambdas/keys/key-format';
import { KeyService } from '../lambdas/keys/key-service';
import type { KeyRecord } from '../lambdas/keys/key-store';
import { createLogger } from '../lambdas/shared/logger';
import { MemoryKeyStore } from '../lambdas/keys/memory-key-store';
import { startHelper } from './child';
import { profile, selfTime, type ProfileEntry } from './profile';
import { concurrentOps, inRounds, nowMs, opsPerSecond, percentiles, ratio, type Summary } from './stats';

const ROOT = join(__dirname, '..');
const TABLE_FEW = 'bench-keys-10';
const TABLE_MANY = 'bench-keys-many';

export interface AuthorizerBenchOptions {
  readonly rounds: number;
  /** Length of one measurement of one variant. */
  readonly roundMs: number;
  /** Keys written to the large table. @default 100_000 */
  readonly manyKeys: number;
  /** Time allowed for writing them; the run reports how many were written. */
  readonly loadBudgetMs: number;
  /** Distinct keys held in the lookup cache for the cache-size check (the cache holds at most 10,000). */
  readonly cachedKeys: number;
}

export interface AuthorizerResults {
  /** Decisions per second. */
  readonly floor: Summary;
  readonly hit: Summary;
  readonly hitVsFloor: Summary;
  /** The same, with the event decoded from JSON and the answer encoded, as the Lambda runtime does per invocation. */
  readonly floorInvoke: Summary;
  readonly hitInvoke: Summary;
  readonly hitInvokeVsFloor: Summary;
  /** SHA-256 of one key alone, per second: the least any authorizer that looks a key up by digest pays. */
  readonly digestOnly: Summary;
  /** Where a cache-hit decision spends its time (CPU profile, self time). */
  readonly hitProfile: readonly ProfileEntry[];
  /** Cache hits cycling over 10 keys and over `cachedKeys` keys. */
  readonly hitFewCached: Summary;
  readonly hitManyCached: Summary;
  readonly hitManyVsFew: Summary;
  readonly cachedKeys: number;
  /** Cache off (TTL 0), the real store (GetItem, and the lastUsedAt write once a minute), one key. */
  readonly miss: Summary;
  readonly missLatencyMs: { readonly p50: number; readonly p99: number };
  /** CPU time of this process per miss (the SDK's work and the decision; the rest of the latency is waiting for dynalite). */
  readonly missCpuMs: Summary;
  /** Cache off, random keys, GetItem only: the 10-key table and the large one. */
  readonly missFewTable: Summary;
  readonly missManyTable: Summary;
  readonly missManyVsFew: Summary;
  readonly missManyLatencyMs: { readonly p50: number; readonly p99: number };
  readonly missFewLatencyMs: { readonly p50: number; readonly p99: number };
  readonly load: {
    readonly requested: number;
    readonly written: number;
    readonly ms: number;
    readonly complete: boolean;
  };
  /** `LookupCache.reads` after 1,000 decisions with one key. */
  readonly readsPer1000: { readonly ttl60: number; readonly ttl0: number };
}

type AuthorizerFn = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

const silent = createLogger('authorizer', { sink: () => {} });

/** The Lambda handler on an injected store, logging nowhere (the entry point logs to stdout and reads the environment). */
export function handlerOn(store: DynamoKeyStore | MemoryKeyStore, cacheTtlSeconds: number): AuthorizerHandler {
  return createAuthorizerHandler({ store, servers, logger: silent, cacheTtlSeconds });
}

/** The store without the lastUsedAt write, to compare GetItem cost alone across table sizes. */
class ReadOnlyStore extends DynamoKeyStore {
  override async touch(): Promise<void> {}
}

export function baseEvent(): APIGatewayRequestAuthorizerEvent {
  return JSON.parse(
    readFileSync(join(ROOT, 'events', 'authorizer-v1-apikey.json'), 'utf8'),
  ) as APIGatewayRequestAuthorizerEvent;
}

/** The fixture with its x-api-key replaced (a shallow copy: cheap enough to build per call). */
export function eventWithKey(base: APIGatewayRequestAuthorizerEvent, apiKey: string): APIGatewayRequestAuthorizerEvent {
  return {
    ...base,
    headers: { ...base.headers, 'x-api-key': apiKey },
    multiValueHeaders: { ...base.multiValueHeaders, 'x-api-key': [apiKey] },
  };
}

function record(apiKey: string, server: string): KeyRecord {
  return {
    digest: digestApiKey(apiKey),
    keyId: generateKeyId(),
    server,
    hint: keyHint(apiKey),
    status: 'active',
    createdAt: new Date().toISOString(),
  };
}

/** BatchWrite of `count` keys (25 per batch, `parallel` batches in flight) until done or out of time. */
async function loadKeys(
  client: ReturnType<typeof createDocumentClient>,
  table: string,
  count: number,
  budgetMs: number,
  parallel = 8,
): Promise<{ keys: string[]; ms: number; complete: boolean }> {
  const keys = Array.from({ length: count }, () => generateApiKey());
  const started = nowMs();
  let next = 0;
  let written = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length && nowMs() - started < budgetMs) {
      const batch = keys.slice(next, next + 25);
      next += batch.length;
      let items: Record<string, unknown>[] = batch.map((key) => ({ PutRequest: { Item: record(key, 'demo-apikey') } }));
      for (let attempt = 0; items.length > 0 && attempt < 5; attempt++) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: items as never } }));
        items = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
      }
      written += batch.length - items.length;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { keys: keys.slice(0, written), ms: nowMs() - started, complete: written === count };
}

async function expectAllow(fn: AuthorizerFn, event: APIGatewayRequestAuthorizerEvent): Promise<void> {
  const policy = await fn(event);
  if (policy.policyDocument.Statement[0]?.Effect !== 'Allow') throw new Error('the benchmark key was not allowed');
}

export async function runAuthorizerBench(
  options: AuthorizerBenchOptions,
  log: (line: string) => void,
): Promise<AuthorizerResults> {
  const dynamo = await startHelper<{ endpoint: string }>(join(__dirname, 'dynalite-server.ts'), {
    env: { BENCH_TABLES: `${TABLE_FEW},${TABLE_MANY}` },
  });
  try {
    // dynalite can pause for seconds (it is one Node.js process holding every item in memory); the product's request
    // timeout (DYNAMO_TIMEOUTS) is for DynamoDB, so the benchmark's clients wait longer instead of failing.
    const client = createDocumentClient({ endpoint: dynamo.info.endpoint, requestTimeoutMs: 30_000 });
    const store = new DynamoKeyStore(client, TABLE_FEW);
    const readOnlyFew = new ReadOnlyStore(client, TABLE_FEW);
    const service = new KeyService({ store, servers });
    const fewKeys: string[] = [];
    for (let i = 0; i < 10; i++)
      fewKeys.push((await service.create({ server: 'demo-apikey', label: `bench ${i}` })).apiKey);

    log(
      `  writing ${options.manyKeys.toLocaleString('en-US')} keys to dynalite (budget ${options.loadBudgetMs / 1000} s)…`,
    );
    // The bulk load gets its own client with a long request timeout: dynalite answers large batches slowly.
    const loader = createDocumentClient({ endpoint: dynamo.info.endpoint, requestTimeoutMs: 60_000 });
    const loaded = await loadKeys(loader, TABLE_MANY, options.manyKeys, options.loadBudgetMs);
    const readOnlyMany = new ReadOnlyStore(loader, TABLE_MANY);
    log(`  wrote ${loaded.keys.length.toLocaleString('en-US')} keys in ${(loaded.ms / 1000).toFixed(1)} s`);

    const base = baseEvent();
    const oneKeyEvent = eventWithKey(base, fewKeys[0]);

    // DynamoDB reads per 1,000 decisions with one key, cache on (60 s) and off.
    const reads = async (ttl: number) => {
      const decide = handlerOn(store, ttl);
      for (let i = 0; i < 1000; i++) await decide(oneKeyEvent);
      await decide.core.settle();
      return decide.core.cache.reads;
    };
    const readsPer1000 = { ttl60: await reads(60), ttl0: await reads(0) };
    log('  reads per 1,000 decisions counted');

    // Hit vs floor, direct and as invoked (JSON in, JSON out).
    const hit = handlerOn(store, 3600);
    await expectAllow(hit, oneKeyEvent);
    const fixed = allowPolicy(
      'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod',
      ['/demo-apikey/mcp'],
      'key_0000000000000000',
      {
        server: 'demo-apikey',
        keyId: 'key_0000000000000000',
        authMode: 'apiKey',
      },
    );
    const floor: AuthorizerFn = async () => fixed;
    const eventJson = JSON.stringify(oneKeyEvent);
    const invoke = (fn: AuthorizerFn) => async () =>
      JSON.stringify(await fn(JSON.parse(eventJson) as APIGatewayRequestAuthorizerEvent));
    const hitRounds = await inRounds(options.rounds, async () => ({
      floor: await opsPerSecond(() => floor(oneKeyEvent), options.roundMs),
      hit: await opsPerSecond(() => hit(oneKeyEvent), options.roundMs),
      floorInvoke: await opsPerSecond(invoke(floor), options.roundMs),
      hitInvoke: await opsPerSecond(invoke(hit), options.roundMs),
      digestOnly: await opsPerSecond(async () => digestApiKey(fewKeys[0]), options.roundMs),
    }));
    const hitProfile = selfTime(
      await profile(async () => {
        await opsPerSecond(() => hit(oneKeyEvent), options.roundMs * 2);
      }),
    );

    log('  cache hit and floor measured');
    // Cache hits over 10 keys and over many (the cost of a hit must not depend on the cache's size). Hits never
    // reach the store, so the keys live in memory here and the cache is filled in a moment.
    const cachedKeys = options.cachedKeys;
    const memory = new MemoryKeyStore();
    const cached = Array.from({ length: cachedKeys }, () => generateApiKey());
    for (const key of cached) await memory.create(record(key, 'demo-apikey'));
    const cacheDecide = handlerOn(memory, 3600);
    const cacheCore = cacheDecide.core;
    for (const key of cached) await cacheDecide(eventWithKey(base, key));
    if (cacheCore.cache.size !== cachedKeys || cacheCore.cache.reads !== cachedKeys)
      throw new Error('the lookup cache did not take every key');
    log(`  ${cachedKeys.toLocaleString('en-US')} keys in the lookup cache`);
    // Events are built per call on both sides (as the runtime parses a new one per invocation), so only the cache differs.
    const fewCached = cached.slice(0, 10);
    let a = 0;
    let b = 0;
    const cacheRounds = await inRounds(options.rounds, async () => ({
      hitFewCached: await opsPerSecond(
        () => cacheDecide(eventWithKey(base, fewCached[a++ % fewCached.length])),
        options.roundMs,
      ),
      hitManyCached: await opsPerSecond(
        () => cacheDecide(eventWithKey(base, cached[b++ % cached.length])),
        options.roundMs,
      ),
    }));
    if (cacheCore.cache.reads !== cachedKeys)
      throw new Error(`the cache-size check read the store ${cacheCore.cache.reads} times`);

    log('  cache size compared');
    // Misses: cache off. The real store with one key, then GetItem alone over random keys of each table.
    const missDecide = handlerOn(store, 0);
    await expectAllow(missDecide, oneKeyEvent);
    const fewDecide = handlerOn(readOnlyFew, 0);
    const manyDecide = handlerOn(readOnlyMany, 0);
    const pick = (keys: readonly string[]) => eventWithKey(base, keys[Math.floor(Math.random() * keys.length)]);
    const missLatencies: number[] = [];
    const fewLatencies: number[] = [];
    const manyLatencies: number[] = [];
    const missRounds = await inRounds(options.rounds, async (round) => {
      const cpuBefore = process.cpuUsage();
      const one = await concurrentOps(() => missDecide(oneKeyEvent), 1, options.roundMs * 2);
      const cpu = process.cpuUsage(cpuBefore);
      const few = await concurrentOps(() => fewDecide(pick(fewKeys)), 1, options.roundMs * 2);
      const many = await concurrentOps(() => manyDecide(pick(loaded.keys)), 1, options.roundMs * 2);
      if (round >= 0) {
        missLatencies.push(...one.latencies);
        fewLatencies.push(...few.latencies);
        manyLatencies.push(...many.latencies);
      }
      return {
        miss: one.perSecond,
        missCpuMs: (cpu.user + cpu.system) / 1000 / one.latencies.length,
        missFewTable: few.perSecond,
        missManyTable: many.perSecond,
      };
    });
    await missDecide.core.settle();
    const p = (samples: number[]) => {
      const [p50, p99] = percentiles(samples, [0.5, 0.99]);
      return { p50, p99 };
    };

    return {
      floor: hitRounds.floor,
      hit: hitRounds.hit,
      hitVsFloor: ratio(hitRounds.hit, hitRounds.floor),
      floorInvoke: hitRounds.floorInvoke,
      hitInvoke: hitRounds.hitInvoke,
      hitInvokeVsFloor: ratio(hitRounds.hitInvoke, hitRounds.floorInvoke),
      digestOnly: hitRounds.digestOnly,
      hitProfile,
      hitFewCached: cacheRounds.hitFewCached,
      hitManyCached: cacheRounds.hitManyCached,
      hitManyVsFew: ratio(cacheRounds.hitManyCached, cacheRounds.hitFewCached),
      cachedKeys,
      miss: missRounds.miss,
      missLatencyMs: p(missLatencies),
      missCpuMs: missRounds.missCpuMs,
      missFewTable: missRounds.missFewTable,
      missManyTable: missRounds.missManyTable,
      missManyVsFew: ratio(missRounds.missManyTable, missRounds.missFewTable),
      missFewLatencyMs: p(fewLatencies),
      missManyLatencyMs: p(manyLatencies),
      load: { requested: options.manyKeys, written: loaded.keys.length, ms: loaded.ms, complete: loaded.complete },
      readsPer1000,
    };
  } finally {
    await dynamo.stop();
  }
}
