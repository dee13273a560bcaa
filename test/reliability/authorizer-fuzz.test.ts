import fc from 'fast-check';
import { servers } from '../../config/servers';
import { AuthorizerCore } from '../../lambdas/authorizer/authorizer';
import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { authorizerHandlerFromEnv, type AuthorizerHandler } from '../../lambdas/authorizer/handler';
import { digestApiKey, generateApiKey, generateKeyId, keyHint } from '../../lambdas/keys/key-format';
import { KeyService } from '../../lambdas/keys/key-service';
import { createLogger } from '../../lambdas/shared/logger';
import { evaluatePolicy } from '../../local/iam';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import { authorizerEvents, checkPolicy, type FuzzKey } from './helpers/authorizer-fuzz';
import { captureLogs, type LogCapture } from './helpers/capture';
import { recordFigures, tally } from './helpers/results';
import { SecretRegistry } from './helpers/secrets';

/**
 * Fuzzing the authorizer: ≥100,000 generated header sets against the AuthorizerCore
 * core (DynamoKeyStore on dynalite, lookup cache on) and a few thousand through the real
 * Lambda handler. No Allow without a valid key of that server; nothing thrown but `Unauthorized`.
 */
const CORE_RUNS = Number(process.env.RELIABILITY_AUTHORIZER_RUNS ?? 100_000);
const HANDLER_RUNS = 3_000;
const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 2_147_483_647);

let dynamo: EmbeddedDynamo;
let handler: AuthorizerHandler;
let logs: LogCapture;
const secrets = new SecretRegistry();
const keys: FuzzKey[] = [];
const validKeys = new Map<string, FuzzKey>();
const authorizations: string[] = [];
const figures: Record<string, unknown> = { seed };

beforeAll(async () => {
  logs = captureLogs();
  dynamo = await startEmbeddedDynamo('reliability-keys');
  handler = authorizerHandlerFromEnv({
    KEYS_TABLE_NAME: dynamo.tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AUTH_CACHE_TTL_SECONDS: '60',
  });

  const service = new KeyService({ store: dynamo.store, servers });
  const past = new KeyService({ store: dynamo.store, servers, now: () => new Date(Date.now() - 2 * 3600_000) });
  for (const server of ['demo-apikey', 'demo-passthrough']) {
    for (let i = 0; i < 3; i++) {
      const issued = await service.create({ server, expiresInSeconds: i === 2 ? 86_400 : undefined });
      keys.push({ apiKey: issued.apiKey, keyId: issued.record.keyId, server, state: 'valid' });
    }
    const revoked = await service.create({ server });
    await service.revoke(revoked.record.keyId);
    keys.push({ apiKey: revoked.apiKey, keyId: revoked.record.keyId, server, state: 'revoked' });
    const expired = await past.create({ server, expiresInSeconds: 3600 });
    keys.push({ apiKey: expired.apiKey, keyId: expired.record.keyId, server, state: 'expired' });
  }
  // Records no KeyService would write: a server that is not configured, and a public one.
  for (const [server, state] of [
    ['ghost-server', 'server-not-configured'],
    ['demo-public', 'public-server'],
  ] as const) {
    const apiKey = generateApiKey();
    const keyId = generateKeyId();
    await dynamo.store.create({
      digest: digestApiKey(apiKey),
      keyId,
      server,
      hint: keyHint(apiKey),
      status: 'active',
      createdAt: new Date().toISOString(),
    });
    keys.push({ apiKey, keyId, server, state });
  }
  for (const key of keys) {
    secrets.addApiKey(key.apiKey);
    if (key.state === 'valid') validKeys.set(key.apiKey, key);
  }
  for (let i = 0; i < 20; i++) authorizations.push(secrets.newAuthorization());
});

afterAll(async () => {
  // Let fire-and-forget lastUsedAt writes land before the store goes away.
  await handler?.core.settle();
  logs?.restore();
  recordFigures('authorizer-fuzz', figures);
  await dynamo?.stop();
});

describe('authorizer fuzzing', () => {
  it(`core: ${CORE_RUNS} generated header sets, no Allow without a valid key of the route's server`, async () => {
    const authorizer = new AuthorizerCore({
      store: dynamo.store,
      servers,
      logger: createLogger('authorizer', { level: 'debug', sink: logs.sink }),
      cacheTtlSeconds: 60,
    });
    const outcomes: Record<string, number> = {};
    const started = performance.now();

    await fc.assert(
      fc.asyncProperty(authorizerEvents(keys, authorizations, servers), async ({ event, arn }) => {
        const request = parseAuthorizerEvent(event);
        if (!request) {
          tally(outcomes, 'unparsed');
          return;
        }
        const outcome = await authorizer.authorize(request);
        if ('unauthorized' in outcome) {
          tally(outcomes, 'unauthorized');
          return;
        }
        const allowedHere = evaluatePolicy(outcome.policy.policyDocument, arn) === 'allow';
        tally(outcomes, allowedHere ? 'allow' : 'policy-for-another-server');
        const problems = checkPolicy(outcome.policy, event, arn, servers, validKeys);
        if (problems.length > 0) throw new Error(problems.join('; '));
      }),
      { numRuns: CORE_RUNS, seed },
    );

    await authorizer.settle();
    figures.core = {
      runs: CORE_RUNS,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      outcomes,
      keyStoreReads: authorizer.cache.reads,
      wrongAllows: 0,
      reasons: reasonsOf(logs.jsonLines()),
    };
    expect(CORE_RUNS).toBeGreaterThanOrEqual(100_000);
    expect(outcomes.allow ?? 0).toBeGreaterThan(0);
    expect(outcomes.unauthorized ?? 0).toBeGreaterThan(0);
  });

  it(`handler: ${HANDLER_RUNS} generated events through the Lambda handler, nothing thrown but Unauthorized`, async () => {
    const outcomes: Record<string, number> = {};
    const otherErrors: string[] = [];
    await fc.assert(
      fc.asyncProperty(authorizerEvents(keys, authorizations, servers), async ({ event, arn }) => {
        let policy;
        try {
          policy = await handler(event as never);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (message !== 'Unauthorized') otherErrors.push(message);
          tally(outcomes, message === 'Unauthorized' ? 'Unauthorized' : 'other-error');
          expect(message).toBe('Unauthorized');
          return;
        }
        tally(outcomes, evaluatePolicy(policy.policyDocument, arn) === 'allow' ? 'allow' : 'policy-for-another-server');
        const problems = checkPolicy(policy, event, arn, servers, validKeys);
        if (problems.length > 0) throw new Error(problems.join('; '));
      }),
      { numRuns: HANDLER_RUNS, seed: seed + 1 },
    );
    figures.handler = { runs: HANDLER_RUNS, outcomes, otherErrors: otherErrors.length, wrongAllows: 0 };
    expect(otherErrors).toEqual([]);
    expect(outcomes.allow ?? 0).toBeGreaterThan(0);
  });

  it('logs no API key, digest or Authorization value', () => {
    const findings = secrets.scan(logs.text());
    figures.secrets = { logLines: logs.lineCount(), ...secrets.counts, occurrences: findings.length };
    expect(findings).toEqual([]);
    expect(logs.lineCount()).toBeGreaterThan(0);
  });
});

/** Decisions by reason, from the authorizer's log lines. */
function reasonsOf(lines: Record<string, unknown>[]): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const line of lines)
    if (line.message === 'authorization decided') tally(reasons, `${String(line.decision)}:${String(line.reason)}`);
  return reasons;
}
