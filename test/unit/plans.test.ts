import { ConfigError } from '../../config/errors';
import { periodStart, plans, resolvePlans, type PlanConfig } from '../../config/plans';

describe('plans configuration', () => {
  it('ships default and demo-tight (2/s, burst 2, 20 a day)', () => {
    expect(plans.map((p) => p.name)).toEqual(['default', 'demo-tight']);
    expect(plans[1]).toMatchObject({ throttle: { rateLimit: 2, burstLimit: 2 }, quota: { limit: 20, period: 'DAY' } });
  });

  const valid: PlanConfig = { name: 'default', throttle: { rateLimit: 5, burstLimit: 10 } };
  it.each([
    [[{ ...valid, name: 'Gold' }], /plan "Gold": a plan name is lower case/],
    [[valid, valid], /plan "default" is defined twice/],
    [[{ ...valid, throttle: { rateLimit: 0, burstLimit: 1 } }], /throttle.rateLimit must be a number .* above 0/],
    [[{ ...valid, throttle: { rateLimit: 1, burstLimit: 1.5 } }], /throttle.burstLimit must be a whole number/],
    [[{ ...valid, quota: { limit: 0, period: 'DAY' } }], /quota.limit must be a whole number of at least 1/],
    [[{ ...valid, quota: { limit: 5, period: 'HOUR' as never } }], /quota.period must be one of DAY, WEEK, MONTH/],
    [[{ ...valid, name: 'gold' }], /the plans must include "default"/],
  ])('refuses %j naming the plan and the mistake', (configured, message) => {
    expect(() => resolvePlans(configured as PlanConfig[])).toThrow(ConfigError);
    expect(() => resolvePlans(configured as PlanConfig[])).toThrow(message);
  });

  it.each([
    ['DAY', '2026-03-11T23:59:59Z', '2026-03-11T00:00:00.000Z'],
    // Weeks start on Sunday (API Gateway's offset 0): 2026-03-08 is a Sunday.
    ['WEEK', '2026-03-11T12:00:00Z', '2026-03-08T00:00:00.000Z'],
    ['WEEK', '2026-03-08T00:00:00Z', '2026-03-08T00:00:00.000Z'],
    ['MONTH', '2026-12-31T23:00:00Z', '2026-12-01T00:00:00.000Z'],
  ] as const)('a %s period holding %s starts at %s (UTC)', (period, at, start) => {
    expect(periodStart(period, Date.parse(at)).toISOString()).toBe(start);
  });
});
