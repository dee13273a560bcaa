import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { findPlan, planNameOf, plans as configuredPlans, type PlanConfig, type PlanThrottle } from '../config/plans';
import type { KeyRecord } from '../lambdas/keys/key-store';
import type { UsageCounters } from './usage-counters';

/** Why the gateway refuses a request its authorizer allowed: the usage plan's gateway response. */
export type UsagePlanRefusal = 'THROTTLED' | 'QUOTA_EXCEEDED' | 'INVALID_API_KEY';

export interface LocalUsagePlansOptions {
  /** The key with this id (the authorizer's context names it), as the keys table has it. */
  readonly lookup: (keyId: string) => Promise<KeyRecord | undefined>;
  readonly counters: UsageCounters;
  /** @default the plans of config/plans.ts */
  readonly plans?: readonly PlanConfig[];
  /** @default Date.now */
  readonly nowMs?: () => number;
  /**
   * How long a key's plan is remembered before it is read again (`set-plan` shows after this),
   * as API Gateway's own key-to-plan mapping takes a moment to change. @default 1000
   */
  readonly planCacheMs?: number;
}

/** A token bucket: `burstLimit` tokens, refilled at `rateLimit` per second. */
interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * What API Gateway does with a usage plan, for the local gateway: the authorizer's
 * `usageIdentifierKey` must name a key on a configured plan (otherwise `INVALID_API_KEY`, 403),
 * whose throttle is a token bucket per key (`THROTTLED`, 429) and whose quota a counter per
 * key and period in the embedded DynamoDB (`QUOTA_EXCEEDED`, 429). A request is counted when it
 * is let through to the integration; refused requests are not.
 */
export function createLocalUsagePlans(options: LocalUsagePlansOptions) {
  const plans = options.plans ?? configuredPlans;
  const nowMs = options.nowMs ?? Date.now;
  const planCacheMs = options.planCacheMs ?? 1000;
  const buckets = new Map<string, Bucket>();
  const keys = new Map<string, { readonly record: KeyRecord | undefined; readonly readAtMs: number }>();

  async function keyOf(keyId: string): Promise<KeyRecord | undefined> {
    const cached = keys.get(keyId);
    if (cached && nowMs() - cached.readAtMs < planCacheMs) return cached.record;
    const record = await options.lookup(keyId);
    if (keys.size >= 10_000) keys.clear();
    keys.set(keyId, { record, readAtMs: nowMs() });
    return record;
  }

  /** Takes a token from the key's bucket; false when it is empty. Synchronous, so concurrent requests never share one. */
  function take(id: string, throttle: PlanThrottle, now: number): boolean {
    let bucket = buckets.get(id);
    if (!bucket) {
      if (buckets.size >= 10_000) buckets.clear();
      bucket = { tokens: throttle.burstLimit, updatedMs: now };
      buckets.set(id, bucket);
    }
    const elapsed = Math.max(0, now - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(throttle.burstLimit, bucket.tokens + elapsed * throttle.rateLimit);
    bucket.updatedMs = Math.max(bucket.updatedMs, now);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  return {
    /** Admits (and counts) a request the authorizer allowed, or says which gateway response refuses it. */
    async admit(result: APIGatewayAuthorizerResult): Promise<UsagePlanRefusal | undefined> {
      const usageIdentifierKey = result.usageIdentifierKey;
      const keyId = result.context?.keyId;
      if (typeof usageIdentifierKey !== 'string' || typeof keyId !== 'string') return 'INVALID_API_KEY';
      const record = await keyOf(keyId);
      const plan = record?.usageIdentifierKey === usageIdentifierKey ? findPlan(planNameOf(record), plans) : undefined;
      if (!plan) return 'INVALID_API_KEY';
      const now = nowMs();
      if (!take(`${plan.name}\u0000${usageIdentifierKey}`, plan.throttle, now)) return 'THROTTLED';
      return (await options.counters.admit(keyId, plan, now)) ? undefined : 'QUOTA_EXCEEDED';
    },
  };
}

export type LocalUsagePlans = ReturnType<typeof createLocalUsagePlans>;
