import { ConfigError } from './errors';

/**
 * Usage plans: how fast and how much one key may call its server. The one source for the
 * stack (an API Gateway usage plan each), the local stack (which enforces them itself) and the
 * key CLI (which checks `--plan` and attaches keys). Data only: no AWS SDK, no CDK.
 */

/** The quota periods API Gateway counts in (calendar periods in UTC). */
export const QUOTA_PERIODS = ['DAY', 'WEEK', 'MONTH'] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];

export interface PlanThrottle {
  /** Steady requests per second (the token bucket's refill rate). */
  readonly rateLimit: number;
  /** Requests allowed at once (the bucket's size); a whole number. */
  readonly burstLimit: number;
}

export interface PlanQuota {
  /** Requests per period; a whole number. */
  readonly limit: number;
  readonly period: QuotaPeriod;
}

export interface PlanConfig {
  /** What `--plan` takes: lower case letters, digits and dashes. */
  readonly name: string;
  readonly description?: string;
  readonly throttle: PlanThrottle;
  /** @default none: no quota, only the throttle */
  readonly quota?: PlanQuota;
}

/** The stack output naming each plan's usage plan id, as JSON `{ "<plan>": "<id>" }`: `npm run keys` reads it. */
export const USAGE_PLAN_IDS_OUTPUT = 'UsagePlanIds';

/** The plan of a key made without `--plan`, and of keys made before plans existed. */
export const DEFAULT_PLAN = 'default';

const PLAN_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Checks every plan; throws `ConfigError` naming the plan and what is wrong. */
export function resolvePlans(configured: readonly PlanConfig[]): readonly PlanConfig[] {
  const seen = new Set<string>();
  for (const plan of configured) {
    const where = `plan "${String(plan.name)}"`;
    if (typeof plan.name !== 'string' || !PLAN_NAME.test(plan.name))
      throw new ConfigError(`${where}: a plan name is lower case letters, digits and dashes, starting with a letter`);
    if (seen.has(plan.name)) throw new ConfigError(`${where} is defined twice`);
    seen.add(plan.name);
    const { rateLimit, burstLimit } = plan.throttle ?? ({} as PlanThrottle);
    if (!(typeof rateLimit === 'number' && Number.isFinite(rateLimit) && rateLimit > 0))
      throw new ConfigError(`${where}: throttle.rateLimit must be a number of requests per second above 0`);
    if (!(Number.isInteger(burstLimit) && burstLimit >= 1))
      throw new ConfigError(`${where}: throttle.burstLimit must be a whole number of at least 1`);
    if (plan.quota !== undefined) {
      if (!(Number.isInteger(plan.quota.limit) && plan.quota.limit >= 1))
        throw new ConfigError(`${where}: quota.limit must be a whole number of at least 1`);
      if (!QUOTA_PERIODS.includes(plan.quota.period))
        throw new ConfigError(`${where}: quota.period must be one of ${QUOTA_PERIODS.join(', ')}`);
    }
  }
  if (!seen.has(DEFAULT_PLAN)) throw new ConfigError(`the plans must include "${DEFAULT_PLAN}"`);
  return configured;
}

/**
 * The configured plans. `default` is generous: it stops a runaway client, not a normal one.
 * `demo-tight` shows what a tight plan looks like (and is what the tests exercise).
 */
export const plans: readonly PlanConfig[] = resolvePlans([
  {
    name: DEFAULT_PLAN,
    description: 'Generous: stops a runaway client, never a normal one.',
    throttle: { rateLimit: 20, burstLimit: 40 },
  },
  {
    name: 'demo-tight',
    description: 'An example of a tight plan: 2 requests per second, 20 a day.',
    throttle: { rateLimit: 2, burstLimit: 2 },
    quota: { limit: 20, period: 'DAY' },
  },
]);

/** The plan called `name`, or undefined. */
export function findPlan(name: string, from: readonly PlanConfig[] = plans): PlanConfig | undefined {
  return from.find((plan) => plan.name === name);
}

/** The plan a stored key is on: its own, or `default` for a key made before plans (no `plan` attribute). */
export function planNameOf(record: { readonly plan?: unknown }): string {
  return typeof record.plan === 'string' ? record.plan : DEFAULT_PLAN;
}

/** When a period started: 00:00 UTC of the day, of the week's Sunday (API Gateway's offset 0), or of the month's 1st. */
export function periodStart(period: QuotaPeriod, atMs: number): Date {
  const at = new Date(atMs);
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (period === 'DAY') return new Date(day);
  if (period === 'WEEK') return new Date(day - at.getUTCDay() * 86_400_000);
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** How a quota of `period` resets, in words a client can act on. */
export function resetWords(period: QuotaPeriod): string {
  const unit = { DAY: 'day', WEEK: 'week (Sunday)', MONTH: 'month' }[period];
  return `at the start of the next UTC ${unit}`;
}
