import {
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsageCommand,
  GetUsagePlansCommand,
  type APIGatewayClient,
} from '@aws-sdk/client-api-gateway';
import { periodStart, type PlanConfig } from '../config/plans';
import type { ApiKeyPlans, DayUsage, UsageSource } from '../lambdas/keys/key-service';
import type { KeyRecord } from '../lambdas/keys/key-store';
import { InvalidInputError } from '../lambdas/shared/errors';

/** API keys per account and Region: a hard limit, not raisable. */
export const API_KEYS_LIMIT = 10_000;
/** From this share of the limit on, making API keys warns. */
export const API_KEYS_WARNING_SHARE = 0.8;
/** `CreateApiKey` and `DeleteApiKey` take 5 requests per second per account: one every 200 ms. */
export const KEY_CALL_INTERVAL_MS = 200;
const DAY_MS = 86_400_000;

export interface ApiGatewayKeyPlansOptions {
  readonly client: Pick<APIGatewayClient, 'send'>;
  /**
   * Each plan's usage plan id (the stack's `UsagePlanIds` output), undefined before they are
   * deployed, null when the stack's API has none (an HTTP API); read on first need.
   */
  readonly planIds: () => Promise<Readonly<Record<string, string>> | null | undefined>;
  /** Warnings for people (stderr). */
  readonly note: (text: string) => void;
  /** @default KEY_CALL_INTERVAL_MS */
  readonly keyCallIntervalMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

function named(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

/**
 * The API Gateway side of keys on AWS: one API key per mcp-gate key, named by its key id,
 * whose value is the key's usage identifier, attached to its plan's usage plan. Creating and
 * deleting API keys is paced to their 5 requests per second (and retried when throttled);
 * making one warns from 80 % of the 10,000 API keys an account may have in a Region.
 */
export class ApiGatewayKeyPlans implements ApiKeyPlans, UsageSource {
  private ids?: Promise<Readonly<Record<string, string>> | null | undefined>;
  private lastKeyCallMs = 0;
  private counted = false;
  private readonly interval: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ApiGatewayKeyPlansOptions) {
    this.interval = options.keyCallIntervalMs ?? KEY_CALL_INTERVAL_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async attach(
    key: { readonly keyId: string; readonly usageIdentifierKey: string; readonly apiKeyId?: string },
    plan: string,
  ): Promise<string | undefined> {
    const deployedIds = await this.planIds();
    if (deployedIds === null) return undefined;
    const planIds = deployedIds ?? {};
    const usagePlanId = planIds[plan];
    if (!usagePlanId)
      throw new InvalidInputError(
        `the deployed stack has no usage plan for plan "${plan}": deploy the stack first (its UsagePlanIds output names them)`,
      );
    const apiKeyId = await this.ensure(key);
    // On exactly one plan's usage plan: a key may sit in only one usage plan per stage.
    const current = await this.plansOf(apiKeyId);
    for (const id of Object.values(planIds)) {
      if (id !== usagePlanId && current.has(id))
        await this.options.client.send(new DeleteUsagePlanKeyCommand({ usagePlanId: id, keyId: apiKeyId }));
    }
    if (!current.has(usagePlanId))
      await this.ignoring(['ConflictException'], () =>
        this.options.client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId: apiKeyId, keyType: 'API_KEY' })),
      );
    return apiKeyId;
  }

  async deployed(): Promise<boolean> {
    return (await this.planIds()) !== undefined;
  }

  async ensure(key: {
    readonly keyId: string;
    readonly usageIdentifierKey: string;
    readonly apiKeyId?: string;
  }): Promise<string> {
    if (key.apiKeyId && (await this.exists(key.apiKeyId))) return key.apiKeyId;
    return (
      (await this.findByName(key.keyId, key.usageIdentifierKey)) ??
      (await this.create(key.keyId, key.usageIdentifierKey))
    );
  }

  async remove(apiKeyId: string): Promise<void> {
    await this.paced(() =>
      this.ignoring(['NotFoundException'], () =>
        this.options.client.send(new DeleteApiKeyCommand({ apiKey: apiKeyId })),
      ),
    );
  }

  /** API Gateway's daily `[used, remaining]` pairs for the key, from `GetUsage` (paged). */
  async usage(key: KeyRecord, plan: PlanConfig, days: number, now: Date): Promise<DayUsage[]> {
    if ((await this.planIds()) === null)
      throw new InvalidInputError(
        'this stack is behind an HTTP API, which has no usage plans: per-key usage is counted behind a REST API only',
      );
    const apiKeyId = typeof key.apiKeyId === 'string' ? key.apiKeyId : undefined;
    if (!apiKeyId)
      throw new InvalidInputError(`key ${key.keyId} has no API Gateway key yet: run npm run keys -- sync-plans`);
    const usagePlanId = (await this.planIds())?.[plan.name];
    if (!usagePlanId) throw new InvalidInputError(`the deployed stack has no usage plan for plan "${plan.name}"`);
    const today = periodStart('DAY', now.getTime()).getTime();
    const dates = Array.from({ length: days }, (_, i) =>
      new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10),
    );
    const pairs: number[][] = [];
    let position: string | undefined;
    do {
      const out = await this.options.client.send(
        new GetUsageCommand({
          usagePlanId,
          keyId: apiKeyId,
          startDate: dates[0],
          endDate: dates[dates.length - 1],
          limit: 500,
          position,
        }),
      );
      const items = out.items ?? {};
      // Indexed by the API key (its id); a response for one key has that key alone.
      pairs.push(...(items[apiKeyId] ?? items[String(key.usageIdentifierKey)] ?? Object.values(items)[0] ?? []));
      position = out.position;
    } while (position);
    return dates.map((date, i) => ({
      date,
      used: pairs[i]?.[0] ?? 0,
      remaining: plan.quota ? (pairs[i]?.[1] ?? plan.quota.limit) : null,
    }));
  }

  private planIds(): Promise<Readonly<Record<string, string>> | null | undefined> {
    return (this.ids ??= this.options.planIds());
  }

  /** The usage plans the API key is attached to. */
  private async plansOf(apiKeyId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    let position: string | undefined;
    do {
      const out = await this.options.client.send(new GetUsagePlansCommand({ keyId: apiKeyId, limit: 500, position }));
      for (const plan of out.items ?? []) if (plan.id) ids.add(plan.id);
      position = out.position;
    } while (position);
    return ids;
  }

  private async exists(apiKeyId: string): Promise<boolean> {
    try {
      await this.options.client.send(new GetApiKeyCommand({ apiKey: apiKeyId }));
      return true;
    } catch (error) {
      if (named(error, 'NotFoundException')) return false;
      throw error;
    }
  }

  /** An API key made for this key earlier (a run that stopped before storing its id), if its value is the key's identifier. */
  private async findByName(keyId: string, value: string): Promise<string | undefined> {
    let position: string | undefined;
    do {
      const out = await this.options.client.send(
        new GetApiKeysCommand({ nameQuery: keyId, includeValues: true, limit: 500, position }),
      );
      const found = out.items?.find((item) => item.name === keyId && item.value === value);
      if (found?.id) return found.id;
      position = out.position;
    } while (position);
    return undefined;
  }

  private async create(keyId: string, value: string): Promise<string> {
    await this.warnNearLimit();
    const out = await this.paced(() =>
      this.options.client.send(
        new CreateApiKeyCommand({ name: keyId, value, enabled: true, description: `mcp-gate key ${keyId}` }),
      ),
    );
    if (!out.id) throw new Error('CreateApiKey answered no id');
    return out.id;
  }

  /** Counts the account's API keys in this Region once per run, and warns from 80 % of the hard limit. */
  private async warnNearLimit(): Promise<void> {
    if (this.counted) return;
    this.counted = true;
    let count = 0;
    let position: string | undefined;
    do {
      const out = await this.options.client.send(new GetApiKeysCommand({ limit: 500, position }));
      count += out.items?.length ?? 0;
      position = out.position;
    } while (position);
    if (count >= API_KEYS_WARNING_SHARE * API_KEYS_LIMIT)
      this.options.note(
        `warning: this account has ${count} of its ${API_KEYS_LIMIT} API Gateway API keys in this Region ` +
          '(a hard limit): revoke unused keys, or use another account or Region for more',
      );
  }

  /** One API key call at a time, at most one per interval; a throttled call waits and tries again. */
  private async paced<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const wait = this.lastKeyCallMs + this.interval * 2 ** Math.min(attempt, 5) - Date.now();
      if (wait > 0) await this.sleep(wait);
      this.lastKeyCallMs = Date.now();
      try {
        return await call();
      } catch (error) {
        if (!named(error, 'TooManyRequestsException') || attempt >= 5) throw error;
      }
    }
  }

  private async ignoring<T>(names: string[], call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (named(error, ...names)) return undefined;
      throw error;
    }
  }
}
