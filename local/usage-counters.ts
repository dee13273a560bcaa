import { BatchGetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { periodStart, type PlanConfig, type QuotaPeriod } from '../config/plans';
import type { KeyRecord } from '../lambdas/keys/key-store';
import type { DayUsage, UsageSource } from '../lambdas/keys/key-service';
import { createTableIfMissing, tableExists } from '../lambdas/shared/dynamo-tables';
import { KeyStoreUnavailableError } from '../lambdas/shared/errors';

/** The local stack's usage counters, in the embedded DynamoDB beside the keys: they survive a restart. */
export const LOCAL_USAGE_TABLE_NAME = 'mcp-gate-local-usage';
const PARTITION_KEY = 'counter';
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a UTC day. */
function dayText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The counter of `keyId` for the `period` holding `atMs`: one item per key and period. */
function counterId(keyId: string, period: QuotaPeriod, atMs: number): string {
  return `${keyId}#${period}#${dayText(periodStart(period, atMs).getTime())}`;
}

function unavailable(operation: string, error: unknown): KeyStoreUnavailableError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new KeyStoreUnavailableError(`usage counters ${operation} failed (${detail})`, { cause: error });
}

/** Creates the counters table unless it exists. */
export function ensureUsageTable(client: DynamoDBDocumentClient, tableName = LOCAL_USAGE_TABLE_NAME): Promise<boolean> {
  return createTableIfMissing(client, { tableName, partitionKey: PARTITION_KEY, indexes: [] }, unavailable);
}

/**
 * Per-key request counters: one per UTC day (what `keys usage` reports) and one per quota
 * period (what the quota is checked against; for a `DAY` quota the same item). A request is
 * admitted by one conditional update, so concurrent requests never push a counter past the
 * quota.
 */
export class UsageCounters implements UsageSource {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string = LOCAL_USAGE_TABLE_NAME,
  ) {}

  /** Counts one request of `keyId` under `plan`; false (and nothing counted) when its quota is used up. */
  async admit(keyId: string, plan: PlanConfig, atMs: number): Promise<boolean> {
    const quota = plan.quota;
    if (quota) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [PARTITION_KEY]: counterId(keyId, quota.period, atMs) },
            UpdateExpression: 'ADD used :one',
            ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
            ExpressionAttributeValues: { ':one': 1, ':limit': quota.limit },
          }),
        );
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
        throw unavailable('UpdateItem', error);
      }
      if (quota.period === 'DAY') return true;
    }
    await this.add(counterId(keyId, 'DAY', atMs));
    return true;
  }

  /**
   * The last `days` UTC days of the key, oldest first: requests counted, and what was left of
   * the quota at the end of each day (null without a quota).
   */
  async usage(key: KeyRecord, plan: PlanConfig, days: number, now: Date): Promise<DayUsage[]> {
    const today = periodStart('DAY', now.getTime()).getTime();
    const first = today - (days - 1) * DAY_MS;
    // A week's or month's remaining quota counts the days of its period before the report's first day too.
    const from = plan.quota ? Math.min(first, periodStart(plan.quota.period, first).getTime()) : first;
    const dayMs: number[] = [];
    for (let ms = from; ms <= today; ms += DAY_MS) dayMs.push(ms);
    const used = await this.readDays(String(key.keyId), dayMs);
    const report: DayUsage[] = [];
    for (const ms of dayMs) {
      if (ms < first) continue;
      let remaining: number | null = null;
      if (plan.quota) {
        const start = periodStart(plan.quota.period, ms).getTime();
        let spent = 0;
        for (const other of dayMs) if (other >= start && other <= ms) spent += used.get(other) ?? 0;
        remaining = Math.max(0, plan.quota.limit - spent);
      }
      report.push({ date: dayText(ms), used: used.get(ms) ?? 0, remaining });
    }
    return report;
  }

  /** Whether the counters table exists (a keys table elsewhere may have none: then nothing was counted). */
  exists(): Promise<boolean> {
    return tableExists(this.client, this.tableName, unavailable);
  }

  private async add(id: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: id },
          UpdateExpression: 'ADD used :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    } catch (error) {
      throw unavailable('UpdateItem', error);
    }
  }

  private async readDays(keyId: string, dayMs: readonly number[]): Promise<Map<number, number>> {
    const used = new Map<number, number>();
    if (!(await this.exists())) return used;
    const byId = new Map(dayMs.map((ms) => [counterId(keyId, 'DAY', ms), ms]));
    const ids = [...byId.keys()];
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = ids.slice(i, i + 100).map((id) => ({ [PARTITION_KEY]: id }));
      while (keys && keys.length > 0) {
        let out;
        try {
          out = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        } catch (error) {
          throw unavailable('BatchGetItem', error);
        }
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const ms = byId.get(String(item[PARTITION_KEY]));
          if (ms !== undefined) used.set(ms, Number(item.used) || 0);
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return used;
  }
}
