import { DEFAULT_PLAN, findPlan, planNameOf, plans as configuredPlans, type PlanConfig } from '../../config/plans';
import type { ResolvedServer } from '../../config/types';
import { InvalidInputError, KeyConflictError, KeyNotFoundError } from '../shared/errors';
import {
  checkKeyId,
  checkLabel,
  digestApiKey,
  generateApiKey,
  generateKeyId,
  generateUsageIdentifier,
  isExpired,
  keyHint,
  MAX_DURATION_SECONDS,
  MAX_DURATION_TEXT,
} from './key-format';
import type { KeyRecord, KeyStore, KeySummary, PlanFields } from './key-store';

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
  /** The key's usage plan. @default 'default' */
  readonly plan?: string;
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

/** One day of a key's usage: requests counted and what was left of its quota (null: the plan has no quota). */
export interface DayUsage {
  /** YYYY-MM-DD, UTC. */
  readonly date: string;
  readonly used: number;
  readonly remaining: number | null;
}

/** A key's usage report, as `keys usage --json` prints it. */
export interface KeyUsage {
  readonly keyId: string;
  readonly plan: string;
  readonly days: readonly DayUsage[];
}

/**
 * The API Gateway API keys behind keys, on AWS (the CLI's adapter implements it): each key's
 * usage identifier is the value of an API key attached to its plan's usage plan.
 */
export interface ApiKeyPlans {
  /**
   * Makes sure the key's API key exists (found by `apiKeyId`, or by name = key id) with the
   * key's usage identifier as its value, and is attached to `plan`'s usage plan and no other
   * plan's. Idempotent. Answers the API key's id, or undefined where the API has no usage plans
   * (an HTTP API), which needs no API key.
   */
  attach(
    key: { readonly keyId: string; readonly usageIdentifierKey: string; readonly apiKeyId?: string },
    plan: string,
  ): Promise<string | undefined>;
  /** Makes sure the key's API key exists, on no plan yet (before the usage plans are deployed). Answers its id. */
  ensure(key: {
    readonly keyId: string;
    readonly usageIdentifierKey: string;
    readonly apiKeyId?: string;
  }): Promise<string>;
  /** Whether the usage plans are deployed (attach needs them). */
  deployed(): Promise<boolean>;
  /** Deletes the API key; one already gone is fine. */
  remove(apiKeyId: string): Promise<void>;
}

/** Where a key's daily usage is read: API Gateway's GetUsage on AWS, the local stack's counters locally. */
export interface UsageSource {
  /** The last `days` days, oldest first, today (UTC) last. */
  usage(key: KeyRecord, plan: PlanConfig, days: number, now: Date): Promise<DayUsage[]>;
}

/** What `syncPlans` did. */
export interface SyncReport {
  /** Keys that got a plan or a usage identifier they lacked. */
  readonly backfilled: number;
  /** Live keys whose API key was made or checked and attached to their plan (AWS only). */
  readonly attached: number;
  /** API keys of revoked or expired keys deleted (AWS only). */
  readonly removed: number;
  readonly total: number;
  /**
   * AWS: whether the usage plans were deployed. Before, live keys only get their API keys
   * (counted in `attached`), attached by the next run after the deployment.
   */
  readonly plansDeployed?: boolean;
}

/** The longest usage report: API Gateway keeps usage for 90 days. */
export const MAX_USAGE_DAYS = 90;

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
  /** @default the plans of config/plans.ts */
  readonly plans?: readonly PlanConfig[];
  /** The API Gateway API keys behind the keys (AWS). @default none: plans are only recorded (the local stack reads them) */
  readonly apiKeys?: ApiKeyPlans;
  /** Where `usage` reads. @default none: `usage` fails saying so */
  readonly usage?: UsageSource;
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
  private readonly plans: readonly PlanConfig[];
  private readonly apiKeys?: ApiKeyPlans;
  private readonly usageSource?: UsageSource;

  constructor(options: KeyServiceOptions) {
    this.store = options.store;
    this.plans = options.plans ?? configuredPlans;
    this.apiKeys = options.apiKeys;
    this.usageSource = options.usage;
    this.servers = options.servers;
    this.now = options.now ?? (() => new Date());
    const grants = options.grants;
    this.grants = typeof grants === 'function' ? grants : async () => grants;
  }

  /** Checks every input, then stores a new key. Nothing is written when an input is wrong. */
  async create(input: CreateKeyInput): Promise<IssuedKey> {
    keyedServer(this.servers, input.server);
    knownPlan(this.plans, input.plan ?? DEFAULT_PLAN);
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
    const plan = input.plan ?? DEFAULT_PLAN;
    const keyId = generateKeyId();
    const usageIdentifierKey = generateUsageIdentifier();
    // The API key first: a key is never handed out that API Gateway would refuse.
    const apiKeyId = this.apiKeys ? await this.apiKeys.attach({ keyId, usageIdentifierKey }, plan) : undefined;
    for (let attempt = 0; ; attempt++) {
      const apiKey = generateApiKey();
      const record: KeyRecord = {
        digest: digestApiKey(apiKey),
        keyId,
        server: input.server,
        label: input.label,
        hint: keyHint(apiKey),
        status: 'active',
        rotatedFrom: input.rotatedFrom,
        createdAt: now.toISOString(),
        expiresAt,
        plan,
        usageIdentifierKey,
        apiKeyId,
      };
      try {
        await this.store.create(record);
        return { apiKey, record: this.summarize(record) };
      } catch (error) {
        if (!(error instanceof KeyConflictError) || attempt >= 2) {
          if (apiKeyId) await this.apiKeys!.remove(apiKeyId).catch(() => undefined);
          throw error;
        }
      }
    }
  }

  async list(server?: string): Promise<KeySummary[]> {
    if (server !== undefined) keyedServer(this.servers, server);
    return (await this.store.list(server)).map((record) => this.summarize(record));
  }

  /** Moves the key to another plan (on AWS: its API key to that plan's usage plan). */
  async setPlan(keyId: string, plan: string): Promise<KeySummary> {
    knownPlan(this.plans, plan);
    const record = await this.find(keyId);
    if (record.status !== 'active') throw new InvalidInputError(`key ${keyId} is revoked; its plan no longer matters`);
    const usageIdentifierKey = usageIdentifierOf(record) ?? generateUsageIdentifier();
    const apiKeyId = this.apiKeys
      ? await this.apiKeys.attach({ keyId: record.keyId, usageIdentifierKey, apiKeyId: apiKeyIdOf(record) }, plan)
      : apiKeyIdOf(record);
    return this.summarize(await this.store.setPlanFields(record.digest, { plan, usageIdentifierKey, apiKeyId }));
  }

  /**
   * Brings every key up to date with plans, idempotently: a key made before plans gets the
   * `default` plan and a usage identifier; on AWS each live key's API key is made if missing
   * and attached to its plan, and the API keys of revoked and expired keys are deleted.
   */
  async syncPlans(): Promise<SyncReport> {
    const records = await this.store.list();
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    let backfilled = 0;
    let attached = 0;
    let removed = 0;
    const deployed = this.apiKeys ? await this.apiKeys.deployed() : undefined;
    for (const record of records) {
      if (typeof record.keyId !== 'string' || typeof record.digest !== 'string') continue;
      const live = record.status === 'active' && !isExpired(record, nowSeconds);
      const stored = findPlan(planNameOf(record), this.plans) ? planNameOf(record) : DEFAULT_PLAN;
      const fields: { -readonly [K in keyof PlanFields]: PlanFields[K] } = {};
      if (record.plan !== stored) fields.plan = stored;
      const usageIdentifierKey = usageIdentifierOf(record) ?? generateUsageIdentifier();
      if (usageIdentifierKey !== record.usageIdentifierKey) fields.usageIdentifierKey = usageIdentifierKey;
      const changed = Object.keys(fields).length > 0;
      if (this.apiKeys && live) {
        const key = { keyId: record.keyId, usageIdentifierKey, apiKeyId: apiKeyIdOf(record) };
        const apiKeyId = deployed ? await this.apiKeys.attach(key, stored) : await this.apiKeys.ensure(key);
        if (apiKeyId !== record.apiKeyId) fields.apiKeyId = apiKeyId;
        attached++;
      } else if (this.apiKeys && apiKeyIdOf(record)) {
        await this.apiKeys.remove(apiKeyIdOf(record)!);
        fields.apiKeyId = undefined;
        removed++;
      }
      if (Object.keys(fields).length > 0) await this.store.setPlanFields(record.digest, fields);
      if (changed) backfilled++;
    }
    return { backfilled, attached, removed, total: records.length, plansDeployed: deployed };
  }

  /** The key's requests per day over the last `days` days (today included) and what was left of its quota. */
  async usage(keyId: string, days: number): Promise<KeyUsage> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_USAGE_DAYS)
      throw new InvalidInputError(`--days must be a whole number from 1 to ${MAX_USAGE_DAYS}`);
    const record = await this.find(keyId);
    const plan = findPlan(planNameOf(record), this.plans);
    if (!plan) throw new InvalidInputError(`key ${keyId} is on plan "${planNameOf(record)}", which is not configured`);
    if (!this.usageSource) throw new InvalidInputError('usage is not available here');
    return { keyId: record.keyId, plan: plan.name, days: await this.usageSource.usage(record, plan, days, this.now()) };
  }

  /** A record without its digest; flags a key the plans are not in step with. */
  private summarize(record: KeyRecord): KeySummary {
    const live = record.status === 'active' && !isExpired(record, Math.floor(this.now().getTime() / 1000));
    const needsSync = !usageIdentifierOf(record) || (this.apiKeys !== undefined && live && !apiKeyIdOf(record));
    return { ...summarize(record), plan: planNameOf(record), ...(needsSync ? { needsSync: true } : {}) };
  }

  /** Deletes the key's API key, if it has one (AWS), and forgets it. */
  private async removeApiKey(record: KeyRecord): Promise<void> {
    const apiKeyId = apiKeyIdOf(record);
    if (!this.apiKeys || !apiKeyId) return;
    await this.apiKeys.remove(apiKeyId);
    await this.store.setPlanFields(record.digest, { apiKeyId: undefined });
  }

  /**
   * Revokes the key, then ends its OAuth grants (for every key, so a server that changed mode
   * leaves none behind). The grants are found before anything is written.
   */
  async revoke(keyId: string): Promise<RevokedKey> {
    const grants = await this.grants();
    const record = await this.find(keyId);
    const key = this.summarize(await this.store.revoke(record.digest, this.now()));
    await this.removeApiKey(record);
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
      {
        server: keyedServer(this.servers, String(old.server)).name,
        label: labelOf(old),
        rotatedFrom: old.keyId,
        plan: findPlan(planNameOf(old), this.plans) ? planNameOf(old) : DEFAULT_PLAN,
      },
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
    // With a grace period, the old key's API key goes when sync-plans finds the key expired.
    if (graceSeconds === 0) await this.removeApiKey(old);
    return { issued, old: this.summarize(updated), grantsEnded: await grants?.revokeGrantsOfKey(old.keyId) };
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

/** Throws `InvalidInputError` listing the known plans unless `name` is one. */
export function knownPlan(plans: readonly PlanConfig[], name: string): PlanConfig {
  const plan = findPlan(name, plans);
  if (!plan) throw new InvalidInputError(`unknown plan "${name}"; known plans: ${plans.map((p) => p.name).join(', ')}`);
  return plan;
}

function usageIdentifierOf(record: KeyRecord): string | undefined {
  return typeof record.usageIdentifierKey === 'string' && record.usageIdentifierKey !== ''
    ? record.usageIdentifierKey
    : undefined;
}

function apiKeyIdOf(record: KeyRecord): string | undefined {
  return typeof record.apiKeyId === 'string' && record.apiKeyId !== '' ? record.apiKeyId : undefined;
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
  'plan',
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
