import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeysCommand,
} from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { runKeysCli } from '../../cli/keys';
import { USAGE_PLAN_IDS_OUTPUT } from '../../config/plans';
import { createDocumentClient } from '../../lambdas/keys/dynamo-client';
import { DynamoKeyStore, ensureKeysTable } from '../../lambdas/keys/dynamo-key-store';

/**
 * The key CLI's AWS path against moto's server mode (API Gateway, DynamoDB and CloudFormation
 * on loopback): each key's API Gateway key is made with its usage identifier as value, attached
 * to its plan's usage plan, moved by set-plan, deleted by revoke, and backfilled by sync-plans.
 * Runs from .ci/run when `moto_server` is installed (npm run test:moto), never in `npm test`.
 */

const TABLE = 'mcp-gate-keys-moto';
let moto: ChildProcess;
let endpoint: string;
const saved = { ...process.env };
let planIds: Record<string, string>;
let gateway: APIGatewayClient;
let store: DynamoKeyStore;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  for (let waited = 0; ; waited += 100) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      if (waited > 20_000) throw new Error('moto_server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
  });
  delete process.env.AWS_PROFILE;
  gateway = new APIGatewayClient({});
  planIds = {};
  for (const name of ['default', 'demo-tight'])
    planIds[name] = (await gateway.send(new CreateUsagePlanCommand({ name }))).id!;
  const client = createDocumentClient({});
  await ensureKeysTable(client, TABLE);
  store = new DynamoKeyStore(client, TABLE);
  await new CloudFormationClient({}).send(
    new CreateStackCommand({
      StackName: 'McpGate',
      TemplateBody: JSON.stringify({
        Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: {
          KeysTableName: { Value: TABLE },
          ApiUrl: { Value: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/' },
          [USAGE_PLAN_IDS_OUTPUT]: { Value: JSON.stringify(planIds) },
        },
      }),
    }),
  );
}, 60_000);

afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  moto?.kill();
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCli(argv, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { ...process.env, DYNAMODB_ENDPOINT: undefined, MCP_GATE_STATE_FILE: '/nonexistent/state.json' },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function planKeys(plan: string): Promise<string[]> {
  const out = await gateway.send(new GetUsagePlanKeysCommand({ usagePlanId: planIds[plan] }));
  return (out.items ?? []).map((item) => item.id!);
}

async function apiKeyExists(id: string): Promise<boolean> {
  try {
    await gateway.send(new GetApiKeyCommand({ apiKey: id }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'NotFoundException') return false;
    throw error;
  }
}

describe('npm run keys on AWS (moto)', () => {
  it('creates a key with its API Gateway key on its plan, moves it with set-plan, deletes it on revoke', async () => {
    const created = await cli(['create', '--server', 'demo-apikey', '--plan', 'demo-tight', '--json']);
    expect(created).toMatchObject({ code: 0 });
    const { keyId, apiKey } = JSON.parse(created.out);
    const record = (await store.getByKeyId(keyId))!;
    expect(record).toMatchObject({ plan: 'demo-tight', usageIdentifierKey: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const gatewayKey = await gateway.send(new GetApiKeyCommand({ apiKey: record.apiKeyId!, includeValue: true }));
    expect(gatewayKey).toMatchObject({ name: keyId, value: record.usageIdentifierKey, enabled: true });
    expect(gatewayKey.value).not.toBe(apiKey);
    expect(await planKeys('demo-tight')).toContain(record.apiKeyId);
    expect(await planKeys('default')).not.toContain(record.apiKeyId);

    expect((await cli(['set-plan', keyId, '--plan', 'default'])).code).toBe(0);
    expect(await planKeys('default')).toContain(record.apiKeyId);
    expect(await planKeys('demo-tight')).not.toContain(record.apiKeyId);
    expect((await store.getByKeyId(keyId))!.plan).toBe('default');

    const listed = await cli(['list', '--json']);
    expect(JSON.parse(listed.out).keys.find((k: { keyId: string }) => k.keyId === keyId)).toMatchObject({
      plan: 'default',
    });
    expect(listed.out).not.toContain(record.usageIdentifierKey!);

    expect((await cli(['revoke', keyId])).code).toBe(0);
    expect(await apiKeyExists(record.apiKeyId!)).toBe(false);
    expect((await store.getByKeyId(keyId))!.apiKeyId).toBeUndefined();
  });

  it('rotates onto the same plan and deletes the old API key when the old key ends at once', async () => {
    const { keyId } = JSON.parse(
      (await cli(['create', '--server', 'demo-apikey', '--plan', 'demo-tight', '--json'])).out,
    );
    const old = (await store.getByKeyId(keyId))!;
    const rotated = await cli(['rotate', keyId, '--json']);
    expect(rotated.code).toBe(0);
    const fresh = (await store.getByKeyId(JSON.parse(rotated.out).keyId))!;
    expect(fresh.plan).toBe('demo-tight');
    expect(await planKeys('demo-tight')).toContain(fresh.apiKeyId);
    expect(await apiKeyExists(old.apiKeyId!)).toBe(false);
  });

  it('sync-plans backfills keys made before plans and deletes revoked keys’ API keys, idempotently', async () => {
    const legacy = {
      digest: 'a'.repeat(64),
      keyId: 'key_00000000000000aa',
      server: 'demo-apikey',
      hint: 'mcpg_…aaaa',
      status: 'active',
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    await createDocumentClient({}).send(new PutCommand({ TableName: TABLE, Item: legacy }));
    const stray = await gateway.send(
      new CreateApiKeyCommand({ name: 'key_00000000000000bb', value: 'b'.repeat(40), enabled: true }),
    );
    await createDocumentClient({}).send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...legacy,
          digest: 'b'.repeat(64),
          keyId: 'key_00000000000000bb',
          status: 'revoked',
          apiKeyId: stray.id,
        },
      }),
    );
    const before = await cli(['list']);
    expect(before.out).toMatch(/key_00000000000000aa.*default \(run sync-plans\)$/m);

    const first = await cli(['sync-plans', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ backfilled: 2, removed: 1, plansDeployed: true });
    const backfilled = (await store.getByKeyId(legacy.keyId))!;
    expect(backfilled).toMatchObject({ plan: 'default', usageIdentifierKey: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(await planKeys('default')).toContain(backfilled.apiKeyId);
    expect(await apiKeyExists(stray.id!)).toBe(false);

    const count = async () => (await gateway.send(new GetApiKeysCommand({ limit: 500 }))).items?.length;
    const keysBefore = await count();
    const second = await cli(['sync-plans', '--json']);
    expect(JSON.parse(second.out)).toMatchObject({ backfilled: 0, removed: 0 });
    expect(await count()).toBe(keysBefore);
    expect((await store.getByKeyId(legacy.keyId))!.apiKeyId).toBe(backfilled.apiKeyId);
    expect((await cli(['list'])).out).not.toMatch(/key_00000000000000aa.*run sync-plans/);
  });
});
