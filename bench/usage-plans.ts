/**
 * What usage plans cost, measured on their own (`npx tsx bench/usage-plans.ts`; not part of
 * `npm run bench`): the authorizer's cache-hit decision for a key with a usage identifier (its
 * Allow carries `usageIdentifierKey`) next to one without, in-process, rounds alternating; and
 * the local gateway's throughput on `demo-apikey` with plans enforced (a plan that never binds:
 * a token bucket and a conditional counter update per request) and off. Prints its figures.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { servers } from '../config/servers';
import { KeyService } from '../lambdas/keys/key-service';
import { MemoryKeyStore } from '../lambdas/keys/memory-key-store';
import { baseEvent, eventWithKey, handlerOn } from './authorizer';
import { runGatewayBench } from './gateway';
import { fmtRatio, fmtSummary, inRounds, opsPerSecond, ratio } from './stats';

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  const store = new MemoryKeyStore();
  const service = new KeyService({ store, servers });
  const withId = await service.create({ server: 'demo-apikey' });
  const withoutId = await service.create({ server: 'demo-apikey' });
  const stripped = [...store.records.values()].find((r) => r.keyId === withoutId.record.keyId)!;
  await store.setPlanFields(stripped.digest, { usageIdentifierKey: undefined });
  const hit = handlerOn(store, 3600);
  const base = baseEvent();
  const eventWith = eventWithKey(base, withId.apiKey);
  const eventWithout = eventWithKey(base, withoutId.apiKey);
  if (!(await hit(eventWith)).usageIdentifierKey || (await hit(eventWithout)).usageIdentifierKey)
    throw new Error('the benchmark keys are not what they should be');
  const decisions = await inRounds(9, async () => ({
    without: await opsPerSecond(() => hit(eventWithout), 500),
    with: await opsPerSecond(() => hit(eventWith), 500),
  }));
  const perDecisionUs = (ops: number) => 1e6 / ops;
  log('authorizer, cache hit, in-process (decisions/s, median [min-max] of 9 rounds):');
  log(`  without usageIdentifierKey  ${fmtSummary(decisions.without, 0)}`);
  log(`  with usageIdentifierKey     ${fmtSummary(decisions.with, 0)}`);
  log(`  with / without              ${fmtRatio(ratio(decisions.with, decisions.without))}`);
  log(
    `  per decision: ${perDecisionUs(decisions.with.median).toFixed(2)} µs with, ` +
      `${perDecisionUs(decisions.without.median).toFixed(2)} µs without`,
  );

  const options = { rounds: 5, roundSeconds: 1.5, warmupSeconds: 2, connections: 8, profileSeconds: 1 };
  const on = await runGatewayBench(options, () => {});
  const off = await runGatewayBench({ ...options, serverEnv: { BENCH_USAGE_PLANS: 'off' } }, () => {});
  log('local gateway over loopback, demo-apikey tools/call (requests/s, median [min-max] of 5 rounds, 8 connections):');
  log(
    `  plans on   ${fmtSummary(on.servers['demo-apikey'].rps, 0)}  p50 ${fmtSummary(on.servers['demo-apikey'].p50, 2, ' ms')}`,
  );
  log(
    `  plans off  ${fmtSummary(off.servers['demo-apikey'].rps, 0)}  p50 ${fmtSummary(off.servers['demo-apikey'].p50, 2, ' ms')}`,
  );
  log(`  on / off   ${fmtRatio(ratio(on.servers['demo-apikey'].rps, off.servers['demo-apikey'].rps))}`);
  log(
    `  demo-public (no plans either way): on ${fmtSummary(on.servers['demo-public'].rps, 0)}, off ${fmtSummary(off.servers['demo-public'].rps, 0)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
