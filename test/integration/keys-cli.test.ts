import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { servers } from '../../config/servers';
import type { ServerConfig } from '../../config/types';
import { resolveServers } from '../../config/validate';
import type { runKeysCli } from '../../cli/keys';
import { planTarget } from '../../cli/target';
import { DynamoKeyStore, keysTableExists } from '../../lambdas/keys/dynamo-key-store';
import { digestApiKey } from '../../lambdas/keys/key-format';
import { KeyService } from '../../lambdas/keys/key-service';
import { startEmbeddedDynamo } from '../../local/dynalite';
import { runKeys } from '../helpers/keys-cli';
import { useKeysTables } from '../helpers/keys-tables';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const NO_STATE = join(mkdtempSync(join(tmpdir(), 'mcp-gate-cli-')), 'no-state.json');
// Anything a terminal acts on, or that would start a new row (the output's own line breaks aside).
const RAW_CONTROL = /[^\P{Cc}\n]|[\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe('npm run keys', () => {
  const dynamo = useKeysTables('cli');
  const freshTable = () => dynamo.fresh();

  const cli = runKeys;

  const local = (table: string) => ({ DYNAMODB_ENDPOINT: dynamo.endpoint, KEYS_TABLE_NAME: table });

  async function putRaw(table: string, item: Record<string, AttributeValue>): Promise<void> {
    await dynamo.client.send(new PutItemCommand({ TableName: table, Item: item }));
  }

  describe('durations', () => {
    it('refuses an expiry beyond 10 years before writing anything, and says the limit', async () => {
      const { table, store } = await freshTable();
      const run = await cli(['create', '--server', 'demo-apikey', '--expires-in', '100000000d'], local(table));
      expect(run.code).toBe(1);
      expect(run.err).toEqual([expect.stringMatching(/^error: "100000000d" is too long: .*3650d \(10 years\)$/)]);
      expect(run.out).toBe('');
      expect(await store.list()).toEqual([]);
    });

    it('accepts 10 years exactly and prints the key and its expiry', async () => {
      const { table } = await freshTable();
      const run = await cli(['create', '--server', 'demo-apikey', '--expires-in', '3650d'], local(table));
      expect(run.code).toBe(0);
      expect(run.out).toMatch(/expires \d{4}-\d\d-\d\dT/);
      expect(run.out).toMatch(/mcpg_[A-Za-z0-9_-]{32}/);
      expect((await cli(['list'], local(table))).code).toBe(0);
    });

    it('refuses a grace period beyond 10 years before touching the old key', async () => {
      const { table, store } = await freshTable();
      const created = JSON.parse((await cli(['create', '--server', 'demo-apikey', '--json'], local(table))).out);
      const run = await cli(['rotate', created.keyId, '--grace', '5000w'], local(table));
      expect(run.code).toBe(1);
      expect(run.err).toEqual([expect.stringMatching(/too long/)]);
      const keys = await store.list();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ status: 'active' });
      expect(keys[0].expiresAt).toBeUndefined();
    });
  });

  describe('list shows any stored record without failing', () => {
    it('prints every record, what can be shown of it, and nothing but the known fields', async () => {
      const { table } = await freshTable();
      const digest = (n: number) => ({ S: n.toString(16).padStart(64, '0') });
      await putRaw(table, {
        digest: digest(1),
        keyId: { S: 'key_0000000000000001' },
        server: { S: 'demo-apikey' },
        hint: { S: 'mcpg_…abcd' },
        status: { S: 'active' },
        createdAt: { S: '2026-01-01T00:00:00.000Z' },
        expiresAt: { N: '8640000000000000000000' }, // beyond Date's range and 2^53
        secret: { S: 'do-not-show-this' },
      });
      await putRaw(table, { digest: digest(2), keyId: { S: 'key_0000000000000002' } });
      await putRaw(table, {
        digest: digest(3),
        keyId: { S: 'key_0000000000000003' },
        server: { N: '42' },
        status: { N: '1' },
        createdAt: { N: '5' },
        expiresAt: { S: 'soon' },
        label: { M: { a: { L: [{ BOOL: true }, { NULL: true }] } } },
        lastUsedAt: { NS: ['1', '2'] },
      });
      await putRaw(table, {
        digest: digest(4),
        keyId: { S: 'key_0000000000000004' },
        server: { S: 'demo-apikey' },
        status: { S: 'revoked' },
        createdAt: { S: '2026-01-02T00:00:00.000Z' },
        expiresAt: { N: '9.99E+125' },
      });

      const human = await cli(['list'], local(table));
      expect(human.err).toEqual([]);
      expect(human.code).toBe(0);
      const lines = human.out.split('\n');
      expect(lines).toHaveLength(5);
      expect(human.out).toMatch(
        /key_0000000000000001\s+demo-apikey\s+active\s+mcpg_…abcd\s+2026-01-01T00:00:00.000Z\s+8.64e\+21/,
      );
      expect(human.out).toMatch(/key_0000000000000002\s+unknown/);
      expect(human.out).toMatch(/key_0000000000000003\s+42\s+1\s+/);
      expect(human.out).toMatch(/key_0000000000000004\s+demo-apikey\s+revoked.*9\.99e\+125/);
      // Records made before plans are on the default plan, flagged until sync-plans gives them a usage identifier.
      for (const line of lines.slice(1)) expect(line).toMatch(/\sdefault \(run sync-plans\)$/);
      expect(human.out).not.toContain('do-not-show-this');
      expect(human.out).not.toMatch(/[0-9a-f]{64}/);

      const json = await cli(['list', '--json'], local(table));
      expect(json.code).toBe(0);
      const { keys } = JSON.parse(json.out);
      expect(keys).toHaveLength(4);
      expect(json.out).not.toContain('do-not-show-this');
      expect(json.out).not.toMatch(/[0-9a-f]{64}/);
      expect(keys.find((k: { keyId: string }) => k.keyId === 'key_0000000000000001')).toMatchObject({
        status: 'active',
        expiresAt: 8.64e21,
      });
      expect(keys.find((k: { keyId: string }) => k.keyId === 'key_0000000000000002')).toEqual({
        keyId: 'key_0000000000000002',
        plan: 'default',
        needsSync: true,
        status: 'unknown',
      });
    });

    it('revokes and rotates a record holding numbers the document client refuses', async () => {
      const { table, store } = await freshTable();
      await putRaw(table, {
        digest: { S: 'f'.repeat(64) },
        keyId: { S: 'key_00000000000000ff' },
        server: { S: 'demo-apikey' },
        hint: { S: 'mcpg_…zzzz' },
        status: { S: 'active' },
        createdAt: { S: '2026-01-01T00:00:00.000Z' },
        lastUsedAt: { N: '123456789012345678901234567890' },
      });
      const rotated = await cli(['rotate', 'key_00000000000000ff', '--grace', '1h', '--json'], local(table));
      expect(rotated.err).toEqual([]);
      expect(JSON.parse(rotated.out)).toMatchObject({ replaces: 'key_00000000000000ff', server: 'demo-apikey' });
      const revoked = await cli(['revoke', 'key_00000000000000ff'], local(table));
      expect(revoked.err).toEqual([]);
      expect(revoked.out).toMatch(/^Revoked key_00000000000000ff \(server demo-apikey\)/);
      expect((await store.getByKeyId('key_00000000000000ff'))?.status).toBe('revoked');
    });
  });

  describe('rotate --expires-in', () => {
    it('gives the new key its own expiry; without it the new key inherits the old expiry', async () => {
      const { table } = await freshTable();
      const old = JSON.parse(
        (await cli(['create', '--server', 'demo-apikey', '--expires-in', '30d', '--json'], local(table))).out,
      );

      const inherited = await cli(['rotate', old.keyId, '--grace', '1h', '--json'], local(table));
      expect(inherited.code).toBe(0);
      const first = JSON.parse(inherited.out);
      expect(first.expiresAt).toBe(old.expiresAt);

      const before = Math.floor(Date.now() / 1000);
      const own = await cli(['rotate', first.keyId, '--expires-in', '1d', '--json'], local(table));
      const after = Math.floor(Date.now() / 1000);
      expect(own.code).toBe(0);
      const second = JSON.parse(own.out);
      expect(second.expiresAt).toBeGreaterThanOrEqual(before + 86400);
      expect(second.expiresAt).toBeLessThanOrEqual(after + 86400);
      expect(second.replaces).toBe(first.keyId);
    });

    it('refuses an expiry that is not in the future', async () => {
      const { table } = await freshTable();
      const old = JSON.parse((await cli(['create', '--server', 'demo-apikey', '--json'], local(table))).out);
      const run = await cli(['rotate', old.keyId, '--expires-in', '0s'], local(table));
      expect(run.code).toBe(1);
      expect(run.err).toEqual(['error: the expiry must be in the future']);
    });
  });

  describe('a malformed command line', () => {
    /** A command-line mistake: exit 2, one line, the command's usage, and nothing written. */
    async function expectUsageError(argv: string[], message: RegExp, command: string): Promise<void> {
      const { table, store } = await freshTable();
      const run = await cli(argv, local(table));
      expect(run.code).toBe(2);
      expect(run.out).toBe('');
      const [line, blank, usage] = run.err.join('\n').split('\n');
      expect(line).toMatch(message);
      expect(blank).toBe('');
      expect(usage).toMatch(new RegExp(`^Usage: npm run keys -- ${command} `));
      expect(await store.list()).toEqual([]);
    }

    it.each([
      [['list', '--label', 'x'], /^error: list does not take --label$/, 'list'],
      [['list', '--url', 'http://x.test'], /^error: list does not take --url$/, 'list'],
      [['list', 'extra'], /^error: list takes no arguments, got "extra"$/, 'list'],
      [['revoke', 'key_0000000000000001', 'key_0000000000000002'], /^error: revoke takes one KEY_ID, got 2/, 'revoke'],
      [['revoke', 'key_0000000000000001', '--grace', '1h'], /^error: revoke does not take --grace$/, 'revoke'],
      [['rotate', 'key_0000000000000001', '--label', 'x'], /^error: rotate does not take --label$/, 'rotate'],
      [
        ['create', '--server', 'demo-apikey', '--server', 'demo-passthrough'],
        /^error: --server is given more than once$/,
        'create',
      ],
      [['list', '--json', '--json'], /^error: --json is given more than once$/, 'list'],
      [['create', '--server'], /^error: --server needs a value$/, 'create'],
      [['create', '--server', 'demo-apikey', '--label', '--json'], /^error: --label needs a value$/, 'create'],
      [['list', '--json=yes'], /^error: --json takes no value$/, 'list'],
      [['create', '--server', 'demo-apikey', '-x'], /^error: Unknown option -x$/, 'create'],
    ])('rejects %j with one line and the command usage, writing nothing', async (argv, message, command) => {
      await expectUsageError(argv, message, command);
    });

    it.each([
      [
        ['create', '--server', 'nope'],
        /^error: unknown server "nope"; known servers: demo-public, demo-apikey,/,
        'create',
      ],
      [['list', '--server', 'nope'], /^error: unknown server "nope"; known servers: /, 'list'],
      [['create', '--server', 'demo-public'], /^error: server "demo-public" is public .* takes no keys/, 'create'],
      [['list', '--server', 'demo-public'], /^error: server "demo-public" is public .* takes no keys/, 'list'],
    ])('rejects the --server of %j with one line and the command usage (exit 2)', async (argv, message, command) => {
      await expectUsageError(argv, message, command);
    });

    it.each([
      [
        ['create', '--server', 'demo-apikey', '--plan', 'gold'],
        /^error: unknown plan "gold"; known plans: default, demo-tight$/,
        'create',
      ],
      [
        ['set-plan', 'key_0000000000000001', '--plan', 'gold'],
        /^error: unknown plan "gold"; known plans: /,
        'set-plan',
      ],
      [['set-plan', 'key_0000000000000001'], /^error: set-plan needs --plan NAME$/, 'set-plan'],
      [['usage', 'key_0000000000000001', '--days', '0'], /^error: --days takes a whole number from 1 to 90$/, 'usage'],
      [['usage', 'key_0000000000000001', '--days', 'x'], /^error: --days takes a whole number from 1 to 90$/, 'usage'],
      [['sync-plans', 'extra'], /^error: sync-plans takes no arguments/, 'sync-plans'],
    ])(
      'rejects the plan options of %j with one line and the command usage (exit 2)',
      async (argv, message, command) => {
        await expectUsageError(argv, message, command);
      },
    );

    it('takes values given with = and values that start with a single dash', async () => {
      const { table } = await freshTable();
      const run = await cli(['create', '--server=demo-apikey', '--label', '-ci-', '--json'], local(table));
      expect(run.code).toBe(0);
      expect(JSON.parse(run.out)).toMatchObject({ server: 'demo-apikey', label: '-ci-' });
    });
  });

  describe('list --json status', () => {
    it('says expired and revoked as the table does', async () => {
      const { table, store } = await freshTable();
      const past = new KeyService({ store, servers, now: () => new Date(Date.now() - 2 * 86400_000) });
      const expired = await past.create({ server: 'demo-apikey', expiresInSeconds: 3600 });
      const service = new KeyService({ store, servers });
      const revoked = await service.create({ server: 'demo-apikey' });
      await service.revoke(revoked.record.keyId);
      const revokedAndExpired = await past.create({ server: 'demo-apikey', expiresInSeconds: 3600 });
      await service.revoke(revokedAndExpired.record.keyId);
      const active = await service.create({ server: 'demo-apikey', expiresInSeconds: 3600 });

      const { keys } = JSON.parse((await cli(['list', '--json'], local(table))).out);
      const statusOf = (id: string) => keys.find((k: { keyId: string }) => k.keyId === id).status;
      const human = (await cli(['list'], local(table))).out;
      for (const [id, status] of [
        [expired.record.keyId, 'expired'],
        [revoked.record.keyId, 'revoked'],
        [revokedAndExpired.record.keyId, 'revoked'],
        [active.record.keyId, 'active'],
      ]) {
        expect(statusOf(id)).toBe(status);
        expect(human).toMatch(new RegExp(`${id}\\s+demo-apikey\\s+${status}\\s`));
      }
    });
  });

  describe('labels and stored text', () => {
    it.each([
      ['an escape sequence', 'a\u001b[31mred'],
      ['a newline that fakes a row', 'x\nkey_ffffffffffffffff  demo-apikey  active'],
      ['a carriage return', 'x\rkey'],
      ['a tab', 'a\tb'],
      ['a bidi override', 'abc\u202edef'],
      ['a C1 control', 'a\u009bb'],
    ])('refuses a label with %s before writing anything', async (_what, label) => {
      const { table, store } = await freshTable();
      const run = await cli(['create', '--server', 'demo-apikey', '--label', label], local(table));
      expect(run.code).toBe(1);
      expect(run.err).toEqual([expect.stringMatching(/^error: the label must not contain control characters/)]);
      expect(await store.list()).toEqual([]);
    });

    it('keeps ordinary Unicode labels', async () => {
      const { table } = await freshTable();
      const run = await cli(
        ['create', '--server', 'demo-apikey', '--label', 'Zoë’s laptop 💻', '--json'],
        local(table),
      );
      expect(JSON.parse(run.out).label).toBe('Zoë’s laptop 💻');
    });

    it('escapes control characters of records written by other means in list, list --json, revoke and rotate', async () => {
      const { table } = await freshTable();
      const base = {
        server: { S: 'demo-apikey' },
        hint: { S: 'mcpg_…\u001b[2J' },
        status: { S: 'active' },
        createdAt: { S: '2026-01-01T00:00:00.000Z' },
        label: { S: '\u001b[2J\u001b[Hx\nkey_ffffffffffffffff  demo-apikey  active\u202e\u0085' },
      };
      await putRaw(table, { ...base, digest: { S: 'a'.repeat(64) }, keyId: { S: 'key_00000000000000aa' } });
      await putRaw(table, { ...base, digest: { S: 'b'.repeat(64) }, keyId: { S: 'key_00000000000000bb' } });

      const human = await cli(['list'], local(table));
      expect(human.out).not.toMatch(RAW_CONTROL);
      expect(human.out.split('\n')).toHaveLength(3);
      expect(human.out).toContain('\\x1b[2J\\x1b[Hx\\nkey_ffffffffffffffff  demo-apikey  active\\u{202e}\\x85');

      const json = await cli(['list', '--json'], local(table));
      expect(json.out).not.toMatch(RAW_CONTROL);
      expect(JSON.parse(json.out).keys[0].label).toBe(base.label.S);

      const rotated = await cli(['rotate', 'key_00000000000000aa', '--url', 'http://127.0.0.1:3000'], local(table));
      expect(rotated.code).toBe(0);
      expect(rotated.out).not.toMatch(RAW_CONTROL);
      const rotatedJson = await cli(['rotate', 'key_00000000000000bb', '--json'], local(table));
      expect(rotatedJson.out).not.toMatch(RAW_CONTROL);
      expect(JSON.parse(rotatedJson.out).label).toBe(base.label.S);

      await putRaw(table, {
        ...base,
        server: { S: 'demo-apikey\u001b[0m' },
        digest: { S: 'c'.repeat(64) },
        keyId: { S: 'key_00000000000000cc' },
      });
      const revoked = await cli(['revoke', 'key_00000000000000cc'], local(table));
      expect(revoked.code).toBe(0);
      expect(revoked.out).toContain('server demo-apikey\\x1b[0m');
      expect(revoked.out).not.toMatch(RAW_CONTROL);
      const revokedJson = await cli(['revoke', 'key_00000000000000cc', '--json'], local(table));
      expect(revokedJson.out).not.toMatch(RAW_CONTROL);
    });

    it('escapes control characters of the command line in its errors', async () => {
      const run = await cli(['create', '--server', 'x\u001b[2Jy'], local('test-keys'));
      expect(run.err).toEqual([expect.stringContaining('unknown server "x\\x1b[2Jy"')]);
    });
  });

  describe('where keys live', () => {
    it('refuses a --table that does not exist at DYNAMODB_ENDPOINT, naming it, and creates nothing', async () => {
      const run = await cli(['create', '--server', 'demo-apikey', '--table', 'nope'], {
        DYNAMODB_ENDPOINT: dynamo.endpoint,
      });
      expect(run.code).toBe(1);
      expect(run.err).toEqual([
        `error: table "nope" does not exist at ${dynamo.endpoint}; only the local stack's own table (mcp-gate-keys) is created when missing`,
      ]);
      expect(await keysTableExists(dynamo.client, 'nope')).toBe(false);
    });

    it("creates the local stack's own table when missing, and says so", async () => {
      const other = await startEmbeddedDynamo();
      try {
        const run = await cli(['list'], { DYNAMODB_ENDPOINT: other.endpoint });
        expect(run).toMatchObject({ code: 0, out: 'No keys.' });
        expect(run.err).toEqual([`note: created the keys table mcp-gate-keys at ${other.endpoint}`]);
        expect((await cli(['list'], { DYNAMODB_ENDPOINT: other.endpoint })).err).toEqual([]);
      } finally {
        await other.stop();
      }
    });

    describe('while npm start runs', () => {
      const stateFile = join(mkdtempSync(join(tmpdir(), 'mcp-gate-cli-')), 'state.json');
      const running = () => ({ MCP_GATE_STATE_FILE: stateFile });
      let own: { table: string; store: DynamoKeyStore };

      beforeAll(async () => {
        own = await freshTable();
        // This process stands in for npm start: the state file names a live pid.
        writeFileSync(
          stateFile,
          JSON.stringify({
            pid: process.pid,
            dynamodbEndpoint: dynamo.endpoint,
            tableName: own.table,
            baseUrl: 'http://127.0.0.1:3999',
          }),
        );
      });

      it('uses its table and URL with no flags', async () => {
        const run = await cli(['create', '--server', 'demo-apikey', '--json'], running());
        expect(run.code).toBe(0);
        const key = JSON.parse(run.out);
        expect(key.url).toBe('http://127.0.0.1:3999/demo-apikey/mcp');
        expect(await own.store.getByDigest(digestApiKey(key.apiKey))).toBeDefined();
      });

      it('takes --table as another table on its DynamoDB', async () => {
        const other = await freshTable();
        const run = await cli(['create', '--server', 'demo-apikey', '--table', other.table], running());
        expect(run.code).toBe(0);
        expect(run.out).toContain(`in the local stack (npm start, ${dynamo.endpoint}, table ${other.table})`);
        expect(await other.store.list()).toHaveLength(1);
      });

      it('refuses a --table that does not exist there, with one line naming it', async () => {
        const run = await cli(['list', '--table', 'missing-table'], running());
        expect(run.code).toBe(1);
        expect(run.err).toEqual([
          expect.stringMatching(/^error: table "missing-table" does not exist at http:\/\/127/),
        ]);
        expect(await keysTableExists(dynamo.client, 'missing-table')).toBe(false);
      });
    });

    it.each([
      [
        'DYNAMODB_ENDPOINT wins over a running stack',
        {},
        { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' },
        true,
        'endpoint',
      ],
      ['npm start without flags', {}, {}, true, 'local-stack'],
      ['npm start with --table', { table: 'other' }, {}, true, 'local-stack'],
      ['npm start with --stack: AWS', { stack: 'McpGate' }, {}, true, 'aws'],
      ['nothing local: AWS', { table: 'other' }, {}, false, 'aws'],
    ])('plans the target: %s', (_name, flags, env, running, kind) => {
      const state = running
        ? { pid: 1, dynamodbEndpoint: 'http://127.0.0.1:8000', tableName: 'mcp-gate-keys', baseUrl: 'http://x.test' }
        : undefined;
      expect(planTarget(flags, env, state).kind).toBe(kind);
    });

    it('refuses --stack with DYNAMODB_ENDPOINT, and says how to reach AWS', async () => {
      const run = await cli(['list', '--stack', 'McpGate'], { DYNAMODB_ENDPOINT: dynamo.endpoint });
      expect(run.code).toBe(1);
      expect(run.err).toEqual([expect.stringMatching(/--stack .* unset DYNAMODB_ENDPOINT to use AWS$/)]);
    });

    it('documents the rules in the usage', async () => {
      const { out } = await cli(['--help'], {});
      expect(out).toContain('--table names another table there, which');
      expect(out).toContain('to reach AWS instead, add --stack McpGate');
      expect(out).toContain('up to 3650d (10 years)');
    });
  });

  describe('store and SDK failures are one clear line', () => {
    let fake: Server;
    let fakeEndpoint: string;
    let answer: { status: number; type: string; message: string };

    beforeAll(async () => {
      // A DynamoDB endpoint that has the table but fails every other call as told.
      fake = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const target = String(req.headers['x-amz-target'] ?? '');
          res.setHeader('content-type', 'application/x-amz-json-1.0');
          if (target.endsWith('.DescribeTable')) {
            res.end(JSON.stringify({ Table: { TableName: 'mcp-gate-keys', TableStatus: 'ACTIVE' } }));
            return;
          }
          res.statusCode = answer.status;
          res.end(
            JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${answer.type}`, message: answer.message }),
          );
        });
      });
      await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
      fakeEndpoint = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())));

    it.each([
      [
        { status: 400, type: 'ResourceNotFoundException', message: 'Requested resource not found' },
        /^error: table mcp-gate-keys does not exist at http:\/\/127\.0\.0\.1:\d+$/,
      ],
      [
        { status: 400, type: 'ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' },
        /^error: DynamoDB throttled the request on table mcp-gate-keys \(ThrottlingException\): retry in a moment$/,
      ],
      [
        {
          status: 400,
          type: 'UnrecognizedClientException',
          message: 'The security token included in the request is invalid.',
        },
        /^error: AWS refused access to table mcp-gate-keys \(UnrecognizedClientException\): check the credentials/,
      ],
      [
        { status: 400, type: 'ValidationException', message: `Bad key ${'e'.repeat(64)}\n  at somewhere` },
        /^error: the key store request on table mcp-gate-keys failed \(ValidationException: Bad key <digest>\)$/,
      ],
    ])('%j', async (given, line) => {
      answer = given;
      const run = await cli(['list'], { DYNAMODB_ENDPOINT: fakeEndpoint });
      expect(run.code).toBe(1);
      expect(run.err).toEqual([expect.stringMatching(line)]);
      expect(run.err[0]).not.toContain('e'.repeat(64));
    });

    it('names an unreachable endpoint', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const run = await cli(['list'], { DYNAMODB_ENDPOINT: endpoint });
      expect(run.code).toBe(1);
      expect(run.err).toEqual([
        `error: cannot reach DynamoDB at ${endpoint} (ECONNREFUSED): is the local stack (npm start) or that DynamoDB running?`,
      ]);
    });

    describe('on AWS without credentials', () => {
      const saved = { ...process.env };
      beforeAll(() => {
        for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
        const nowhere = join(mkdtempSync(join(tmpdir(), 'mcp-gate-cli-')), 'none');
        Object.assign(process.env, {
          AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_CONFIG_FILE: nowhere,
          AWS_SHARED_CREDENTIALS_FILE: nowhere,
        });
      });
      afterAll(() => {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
        Object.assign(process.env, saved);
      });

      it('says so when reading the table', async () => {
        const run = await cli(['list', '--table', 'keys'], {});
        expect(run.code).toBe(1);
        expect(run.err).toEqual([
          expect.stringMatching(/^error: no AWS credentials found: configure them .*npm start/),
        ]);
      });

      it('says so when reading the stack outputs', async () => {
        const run = await cli(['list'], {});
        expect(run.code).toBe(1);
        expect(run.err).toEqual([
          expect.stringMatching(
            /^error: could not read the outputs of stack McpGate \(no AWS credentials found: .*pass --table$/,
          ),
        ]);
      });
    });
  });

  describe('custom routes', () => {
    const routed = resolveServers([
      { name: 'tenants', authMode: 'apiKey', tools: ['echo'], routes: ['/tenants/{tenant}/mcp', '/t/{tenant}/mcp'] },
      { name: 'legacy', authMode: 'bearerPassthrough', tools: ['echo'], routes: ['/api/v1/mcp'] },
    ]);

    it('prints the real route, not /<name>/mcp', async () => {
      const { table } = await freshTable();
      const run = await cli(['create', '--server', 'legacy', '--url', 'http://127.0.0.1:3000/'], local(table), routed);
      expect(run.code).toBe(0);
      expect(run.out).toContain('"url": "http://127.0.0.1:3000/api/v1/mcp"');
      expect(run.out).not.toContain('/legacy/mcp');
    });

    it('prints a {param} route as a template the client fills in, in text and JSON', async () => {
      const { table } = await freshTable();
      const argv = ['create', '--server', 'tenants', '--url', 'http://127.0.0.1:3000'];
      const text = await cli(argv, local(table), routed);
      expect(text.out).toContain(
        '  http://127.0.0.1:3000/tenants/{tenant}/mcp\n  http://127.0.0.1:3000/t/{tenant}/mcp',
      );
      expect(text.out).toContain('The client fills in {tenant} in the URL');
      expect(text.out).not.toContain('/tenants/mcp');

      const json = JSON.parse((await cli([...argv, '--json'], local(table), routed)).out);
      expect(json.url).toBe('http://127.0.0.1:3000/tenants/{tenant}/mcp');
      expect(json.urls).toEqual(['http://127.0.0.1:3000/tenants/{tenant}/mcp', 'http://127.0.0.1:3000/t/{tenant}/mcp']);
      expect(json.clientConfig.mcpServers.tenants.url).toBe(json.url);
    });
  });

  describe('configuration errors', () => {
    it('prints an invalid server configuration as one line, exit 1', async () => {
      const invalid: ServerConfig[] = [{ name: 'Bad Name', authMode: 'apiKey', tools: [] }];
      const run = await cli(['list'], local('test-keys'), () => resolveServers(invalid));
      expect(run.code).toBe(1);
      expect(run.err).toEqual([
        'error: server name "Bad Name" is invalid: use lowercase letters, digits and hyphens (1-63 characters)',
      ]);
    });

    it('loads config/servers.ts inside its error handling', async () => {
      // config/servers.ts as an invalid edit would leave it: the real validation throws on load.
      jest.doMock('../../config/servers', () => ({
        servers: resolveServers([{ name: 'demo', authMode: 'apiKey', tools: ['echo', 'echo'] }]),
      }));
      try {
        let fresh!: typeof runKeysCli;
        jest.isolateModules(() => {
          ({ runKeysCli: fresh } = jest.requireActual<typeof import('../../cli/keys')>('../../cli/keys'));
        });
        const err: string[] = [];
        const code = await fresh(['list'], { out: () => undefined, err: (t) => err.push(t), env: local('test-keys') });
        expect(code).toBe(1);
        expect(err).toEqual(['error: server "demo": tool "echo" is listed twice']);
      } finally {
        jest.dontMock('../../config/servers');
      }
    });

    it.each([
      [
        { DYNAMODB_ENDPOINT: 'localhost:8000' },
        'error: DYNAMODB_ENDPOINT "localhost:8000" is not an http(s) URL (like http://127.0.0.1:8000)',
      ],
      [
        { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', KEYS_TABLE_NAME: 'a b' },
        /^error: KEYS_TABLE_NAME "a b" is not a DynamoDB table name/,
      ],
    ])('prints a bad environment %j as one line', async (env, line) => {
      const run = await cli(['list'], env);
      expect(run.code).toBe(1);
      expect(run.err).toEqual([line instanceof RegExp ? expect.stringMatching(line) : line]);
    });

    it('prints one line and no stack trace when run as `npm run keys`', async () => {
      const failed = promisify(execFile)(process.execPath, [TSX, 'bin/keys.ts', 'list'], {
        cwd: ROOT,
        env: { ...process.env, DYNAMODB_ENDPOINT: 'localhost:8000', MCP_GATE_STATE_FILE: NO_STATE },
      });
      await expect(failed).rejects.toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'error: DYNAMODB_ENDPOINT "localhost:8000" is not an http(s) URL (like http://127.0.0.1:8000)\n',
      });
    });
  });
});
