import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ensureKeysTable } from '../../lambdas/keys/dynamo-key-store';
import { ensureGrantsTable } from '../../lambdas/oauth/grants-table';
import { API_TYPE_OUTPUT, serverUrlOutput } from '../../lib/output-names';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import { runKeys } from '../helpers/keys-cli';

const API_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/';
const DOMAIN = 'https://mcp.example.com';

const USAGE_PLAN_IDS = { default: 'plan-default', 'demo-tight': 'plan-tight' };

/**
 * The API Gateway calls the CLI makes for a key's usage-plan key (moto answers them in the
 * moto suite, which `npm test` does not require): API keys and their usage plans, in memory.
 */
function apiGatewayStandIn(calls: string[]) {
  const keys = new Map<string, { id: string; name: string; value: string; enabled: boolean }>();
  const planKeys = new Map<string, Set<string>>();
  let next = 0;
  return (method: string, url: URL, body: string): { status: number; json?: unknown; error?: string } => {
    calls.push(`${method} ${url.pathname}`);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'apikeys' && parts.length === 1 && method === 'POST') {
      const input = JSON.parse(body) as { name: string; value: string };
      const key = { id: `ak${++next}`, name: input.name, value: input.value, enabled: true };
      keys.set(key.id, key);
      return { status: 201, json: key };
    }
    if (parts[0] === 'apikeys' && parts.length === 1 && method === 'GET') {
      const name = url.searchParams.get('name');
      return { status: 200, json: { items: [...keys.values()].filter((k) => !name || k.name.startsWith(name)) } };
    }
    if (parts[0] === 'apikeys' && parts.length === 2) {
      const key = keys.get(parts[1]);
      if (!key) return { status: 404, error: 'NotFoundException' };
      if (method === 'DELETE') {
        keys.delete(parts[1]);
        for (const members of planKeys.values()) members.delete(parts[1]);
        return { status: 202 };
      }
      return { status: 200, json: key };
    }
    if (parts[0] === 'usageplans' && parts.length === 1 && method === 'GET') {
      const keyId = url.searchParams.get('keyId') ?? '';
      const items = [...planKeys].filter(([, members]) => members.has(keyId)).map(([id]) => ({ id }));
      return { status: 200, json: { items } };
    }
    if (parts[0] === 'usageplans' && parts[2] === 'keys') {
      const members = planKeys.get(parts[1]) ?? new Set<string>();
      planKeys.set(parts[1], members);
      if (method === 'POST') {
        const { keyId } = JSON.parse(body) as { keyId: string };
        members.add(keyId);
        return { status: 201, json: { id: keyId, type: 'API_KEY' } };
      }
      if (method === 'DELETE') {
        members.delete(parts[3]);
        return { status: 202 };
      }
    }
    return { status: 404, error: 'NotFoundException' };
  };
}

/**
 * The CLI's AWS path, no flags: DynamoDB is the embedded one (through the SDK's
 * AWS_ENDPOINT_URL_DYNAMODB, as a real AWS endpoint would be found), and CloudFormation and API
 * Gateway, which have no emulator `npm test` may require, loopback stand-ins: DescribeStacks
 * with the outputs a test sets, and the API Gateway keys of the keys' usage plans.
 */
describe('npm run keys on AWS, from the stack outputs', () => {
  let dynamo: EmbeddedDynamo;
  let cloudFormation: Server;
  let outputs: Record<string, string>;
  let stacksAsked: string[];
  const apiGatewayCalls: string[] = [];
  let tables = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    const apiGateway = apiGatewayStandIn(apiGatewayCalls);
    cloudFormation = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://stand-in');
        if (url.pathname !== '/') {
          const answer = apiGateway(req.method ?? 'GET', url, body);
          res.statusCode = answer.status;
          res.setHeader('content-type', 'application/json');
          if (answer.error) res.setHeader('x-amzn-errortype', answer.error);
          res.end(JSON.stringify(answer.json ?? (answer.error ? { message: answer.error } : {})));
          return;
        }
        const params = new URLSearchParams(body);
        const stackName = params.get('StackName') ?? '';
        stacksAsked.push(stackName);
        const members = Object.entries(outputs)
          .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
          .join('');
        res.setHeader('content-type', 'text/xml');
        res.end(
          '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult>' +
            `<Stacks><member><StackName>${stackName}</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/1</StackId>` +
            '<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>' +
            `<Outputs>${members}</Outputs></member></Stacks>` +
            '</DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => cloudFormation.listen(0, '127.0.0.1', resolve));
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: `http://127.0.0.1:${(cloudFormation.address() as AddressInfo).port}`,
      AWS_ENDPOINT_URL_API_GATEWAY: `http://127.0.0.1:${(cloudFormation.address() as AddressInfo).port}`,
    });
  });
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    await new Promise<void>((resolve) => cloudFormation.close(() => resolve()));
    await dynamo.stop();
  });

  /** A deployed stack of its own: keys and grants tables, and the outputs McpGateStack gives them. */
  async function deployed(options: { grants?: boolean; oauthUrl?: boolean; http?: boolean } = {}) {
    const n = ++tables;
    const keys = `aws-keys-${n}`;
    const grants = `aws-grants-${n}`;
    await ensureKeysTable(dynamo.client, keys);
    await ensureGrantsTable(dynamo.client, grants);
    outputs = { ApiUrl: API_URL, KeysTableName: keys, UsagePlanIds: JSON.stringify(USAGE_PLAN_IDS) };
    if (options.grants !== false) outputs.GrantsTableName = grants;
    if (options.oauthUrl !== false) outputs[serverUrlOutput('demo-oauth')] = `${DOMAIN}/demo-oauth/mcp`;
    // An HTTP API stack: no usage plans, so no UsagePlanIds output.
    if (options.http) {
      outputs[API_TYPE_OUTPUT] = 'http';
      delete outputs.UsagePlanIds;
    }
    stacksAsked = [];
    apiGatewayCalls.length = 0;
    return { keys, grants };
  }

  const cli = (argv: string[], env: Record<string, string> = {}) => runKeys(argv, env);

  async function create(server: string, extra: string[] = []) {
    const run = await cli(['create', '--server', server, '--json', ...extra]);
    expect(run.err).toEqual([]);
    expect(run.code).toBe(0);
    return JSON.parse(run.out) as { keyId: string; url: string; urls: string[] };
  }

  async function putGrant(table: string, keyId: string, grantId: string): Promise<void> {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await dynamo.client.send(
      new PutCommand({ TableName: table, Item: { id: `Grant:${grantId}`, grantId, keyId, expiresAt } }),
    );
  }

  async function idsIn(table: string): Promise<string[]> {
    const out = await dynamo.client.send(new ScanCommand({ TableName: table }));
    return (out.Items ?? []).map((item) => String(item.id)).sort();
  }

  describe('the grants table', () => {
    it("is the stack's GrantsTableName: list counts live grants, revoke ends them", async () => {
      const { grants } = await deployed();
      const key = await create('demo-oauth');
      await putGrant(grants, key.keyId, 'g1');
      await putGrant(grants, key.keyId, 'g2');

      const list = await cli(['list', '--json']);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.out).keys).toEqual([expect.objectContaining({ keyId: key.keyId, grants: 2 })]);

      const revoke = await cli(['revoke', key.keyId]);
      expect(revoke.code).toBe(0);
      expect(revoke.out).toContain('Ended 2 OAuth grants and their tokens.');
      expect(await idsIn(grants)).toEqual([]);
      expect(stacksAsked.every((name) => name === 'McpGate')).toBe(true);
    });

    it('rotate ends the grants too, reading the stack --stack names', async () => {
      const { grants } = await deployed();
      const key = await create('demo-oauth', ['--stack', 'Other']);
      await putGrant(grants, key.keyId, 'g1');

      const rotate = await cli(['rotate', key.keyId, '--stack', 'Other', '--json']);
      expect(rotate.code).toBe(0);
      expect(JSON.parse(rotate.out)).toMatchObject({ replaces: key.keyId, grantsRevoked: 1 });
      expect(await idsIn(grants)).toEqual([]);
      expect(stacksAsked).toEqual(['Other', 'Other']);
    });

    it('is GRANTS_TABLE_NAME when set, over the output', async () => {
      const { grants } = await deployed();
      const other = `aws-grants-env-${tables}`;
      await ensureGrantsTable(dynamo.client, other);
      const key = await create('demo-oauth');
      await putGrant(grants, key.keyId, 'in-stack');
      await putGrant(other, key.keyId, 'in-env');

      const revoke = await cli(['revoke', key.keyId, '--json'], { GRANTS_TABLE_NAME: other });
      expect(JSON.parse(revoke.out)).toMatchObject({ grantsRevoked: 1 });
      expect(await idsIn(other)).toEqual([]);
      expect(await idsIn(grants)).toEqual(['Grant:in-stack']);
    });

    it('is none when the stack has no grants table: grants are neither counted nor ended, as it says', async () => {
      const { grants } = await deployed({ grants: false });
      const key = await create('demo-oauth');
      await putGrant(grants, key.keyId, 'g1');

      const list = await cli(['list', '--json']);
      expect(JSON.parse(list.out).keys[0]).not.toHaveProperty('grants');
      const revoke = await cli(['revoke', key.keyId]);
      expect(revoke.code).toBe(0);
      expect(revoke.out).toContain('No grants table is configured here (GRANTS_TABLE_NAME)');
      expect(await idsIn(grants)).toEqual(['Grant:g1']);
    });

    it('is GRANTS_TABLE_NAME alone beside a keys table named by hand, and the stack is not read', async () => {
      const { keys, grants } = await deployed();
      const key = await create('demo-oauth');
      await putGrant(grants, key.keyId, 'g1');
      stacksAsked = [];

      const revoke = await cli(['revoke', key.keyId, '--table', keys]);
      expect(revoke.code).toBe(0);
      expect(revoke.out).toContain('No grants table is configured here');
      expect(await idsIn(grants)).toEqual(['Grant:g1']);
      expect(stacksAsked).toEqual([]);
    });
  });

  describe('behind an HTTP API', () => {
    it('makes and moves keys without API Gateway keys, which only usage plans need', async () => {
      await deployed({ http: true });
      const key = await create('demo-apikey');

      const moved = await cli(['set-plan', key.keyId, '--plan', 'demo-tight']);
      expect(moved.err).toEqual([]);
      expect(moved.code).toBe(0);
      expect(apiGatewayCalls).toEqual([]);
    });

    it('says usage is counted behind a REST API only', async () => {
      await deployed({ http: true });
      const key = await create('demo-apikey');

      const usage = await cli(['usage', key.keyId]);
      expect(usage.code).not.toBe(0);
      expect(usage.err.join('\n')).toContain('HTTP API, which has no usage plans');
    });
  });

  describe('printed URLs', () => {
    it("are an oauth server's own <Server>Url output, under the custom domain", async () => {
      await deployed();
      const key = await create('demo-oauth');
      expect(key.urls).toEqual([`${DOMAIN}/demo-oauth/mcp`]);
      const text = await cli(['create', '--server', 'demo-oauth']);
      expect(text.out).toContain(`"url": "${DOMAIN}/demo-oauth/mcp"`);
      expect(text.out).not.toContain(API_URL);
    });

    it('are under ApiUrl for the other servers, and for an oauth server without its output', async () => {
      await deployed({ oauthUrl: false });
      expect((await create('demo-apikey')).urls).toEqual([`${API_URL}demo-apikey/mcp`]);
      expect((await create('demo-oauth')).urls).toEqual([`${API_URL}demo-oauth/mcp`]);
    });

    it('are under --url when given', async () => {
      await deployed();
      const key = await create('demo-oauth', ['--url', 'https://gate.example.org']);
      expect(key.urls).toEqual(['https://gate.example.org/demo-oauth/mcp']);
    });
  });
});
