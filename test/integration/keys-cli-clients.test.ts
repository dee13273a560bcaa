import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_NAMES, type ClientName } from '../../config/client-configs';
import { servers } from '../../config/servers';
import { resolveServers } from '../../config/validate';
import { runKeysCli, type ServersSource } from '../../cli/keys';
import type { DynamoKeyStore } from '../../lambdas/keys/dynamo-key-store';
import { digestApiKey } from '../../lambdas/keys/key-format';
import { readClientConfig } from '../helpers/client-readers';
import { useKeysTables } from '../helpers/keys-tables';

const NO_STATE = join(mkdtempSync(join(tmpdir(), 'mcp-gate-cli-clients-')), 'no-state.json');
const BASE = 'http://127.0.0.1:3000';
const KEY = /^ {2}(mcpg_[A-Za-z0-9_-]{32})$/m;
// Anything a terminal acts on, or that would start a new row (the output's own line breaks aside).
const RAW_CONTROL = /[^\P{Cc}\n]|[\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe('npm run keys -- create/rotate --client', () => {
  const dynamo = useKeysTables('clients');

  async function freshTable(): Promise<{ env: Record<string, string>; store: DynamoKeyStore }> {
    const { table, store } = await dynamo.fresh();
    return {
      env: { DYNAMODB_ENDPOINT: dynamo.endpoint, KEYS_TABLE_NAME: table, MCP_GATE_STATE_FILE: NO_STATE },
      store,
    };
  }

  async function cli(
    argv: string[],
    env: Record<string, string>,
    serversSource: ServersSource = servers,
  ): Promise<{ code: number; out: string; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runKeysCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env }, serversSource);
    return { code, out: out.join('\n'), err };
  }

  /** The configuration a person copies from the text output: everything after its heading. */
  function printedConfig(out: string, client: ClientName): string {
    const lines = out.split('\n');
    const heading = lines.findIndex((l) => l.startsWith('Client configuration'));
    expect(heading).toBeGreaterThan(-1);
    if (client === 'generic') {
      expect(lines[heading]).toBe('Client configuration:');
      return lines.slice(heading + 1).join('\n');
    }
    expect(lines[heading]).toMatch(/^Client configuration for .+: .+\.$/);
    expect(lines[heading + 1]).toMatch(/^Docs: https:\/\/\S+$/);
    return lines.slice(heading + 2).join('\n');
  }

  describe.each(CLIENT_NAMES.map((c) => [c]))('--client %s', (name) => {
    it('prints the key once and a configuration that parses in its format, with the URL and that key', async () => {
      // Arrange
      const { env, store } = await freshTable();
      // Act
      const run = await cli(['create', '--server', 'demo-apikey', '--url', BASE, '--client', name], env);
      // Assess
      expect(run).toMatchObject({ code: 0, err: [] });
      expect(run.out).not.toMatch(RAW_CONTROL);
      const apiKey = run.out.match(KEY)![1];
      expect((await store.getByDigest(digestApiKey(apiKey)))?.server).toBe('demo-apikey');
      expect(readClientConfig(name, printedConfig(run.out, name), 'demo-apikey')).toEqual({
        url: `${BASE}/demo-apikey/mcp`,
        headers: { 'x-api-key': apiKey },
      });
    });

    it('--json carries it as clientConfig, and names the client', async () => {
      const { env } = await freshTable();
      const run = await cli(['create', '--server', 'demo-passthrough', '--url', BASE, '--client', name, '--json'], env);
      expect(run).toMatchObject({ code: 0, err: [] });
      const json = JSON.parse(run.out);
      expect(json.client).toBe(name);
      expect(typeof json.clientConfig).toBe(name === 'codex' || name === 'claude-code' ? 'string' : 'object');
      expect(readClientConfig(name, json.clientConfig, 'demo-passthrough')).toEqual({
        url: `${BASE}/demo-passthrough/mcp`,
        headers: { 'x-api-key': json.apiKey, Authorization: 'Bearer <your token>' },
      });
    });
  });

  it('without --client prints the generic configuration as before, and --json has no client field', async () => {
    const { env } = await freshTable();
    const json = JSON.parse((await cli(['create', '--server', 'demo-apikey', '--url', BASE, '--json'], env)).out);
    expect(json).not.toHaveProperty('client');
    expect(json.clientConfig).toEqual({
      mcpServers: { 'demo-apikey': { url: `${BASE}/demo-apikey/mcp`, headers: { 'x-api-key': json.apiKey } } },
    });
    const text = await cli(['create', '--server', 'demo-apikey', '--url', BASE], env);
    expect(text.out).toMatch(/\nClient configuration:\n\{\n {2}"mcpServers"/);
  });

  it('rotate --client prints the new key in that client’s format', async () => {
    const { env } = await freshTable();
    const old = JSON.parse((await cli(['create', '--server', 'demo-apikey', '--json'], env)).out);
    const run = await cli(['rotate', old.keyId, '--url', BASE, '--client', 'codex'], env);
    expect(run).toMatchObject({ code: 0, err: [] });
    const apiKey = run.out.match(KEY)![1];
    expect(apiKey).not.toBe(old.apiKey);
    expect(readClientConfig('codex', printedConfig(run.out, 'codex'), 'demo-apikey')).toEqual({
      url: `${BASE}/demo-apikey/mcp`,
      headers: { 'x-api-key': apiKey },
    });
  });

  it('uses the first route of a server with custom routes, a {param} template kept', async () => {
    const routed = resolveServers([
      { name: 'tenants', authMode: 'apiKey', tools: ['echo'], routes: ['/tenants/{tenant}/mcp', '/t/{tenant}/mcp'] },
    ]);
    const { env } = await freshTable();
    const run = await cli(['create', '--server', 'tenants', '--url', BASE, '--client', 'claude-code'], env, routed);
    expect(run.code).toBe(0);
    expect(readClientConfig('claude-code', printedConfig(run.out, 'claude-code'), 'tenants').url).toBe(
      `${BASE}/tenants/{tenant}/mcp`,
    );
  });

  it('quotes a URL holding shell and TOML syntax so it survives', async () => {
    const { env } = await freshTable();
    const base = `${BASE}/it's/"x"\\$(id)`;
    for (const name of ['claude-code', 'codex'] as const) {
      const run = await cli(['create', '--server', 'demo-apikey', '--url', base, '--client', name], env);
      expect(run.code).toBe(0);
      expect(readClientConfig(name, printedConfig(run.out, name), 'demo-apikey').url).toBe(`${base}/demo-apikey/mcp`);
    }
  });

  describe('a wrong --client', () => {
    it.each([
      [['create', '--server', 'demo-apikey', '--client', 'nope'], 'create'],
      [['create', '--server', 'demo-apikey', '--client', 'Cursor'], 'create'],
      [['rotate', 'key_0000000000000001', '--client', 'vs-code'], 'rotate'],
    ])('%j: exit 2, one line naming the known clients, the usage, and no key', async (argv, command) => {
      const { env, store } = await freshTable();
      const run = await cli(argv, env);
      expect(run.code).toBe(2);
      expect(run.out).toBe('');
      const [line, blank, usage] = run.err.join('\n').split('\n');
      expect(line).toBe(`error: unknown client "${argv[argv.length - 1]}"; clients: ${CLIENT_NAMES.join(', ')}`);
      expect(blank).toBe('');
      expect(usage).toMatch(new RegExp(`^Usage: npm run keys -- ${command} .*\\[--client NAME\\]`));
      expect(await store.list()).toEqual([]);
    });

    it('escapes control characters in the name it shows', async () => {
      const { env } = await freshTable();
      const run = await cli(['create', '--server', 'demo-apikey', '--client', 'x\u001b[2J'], env);
      expect(run.code).toBe(2);
      expect(run.err.join('\n').split('\n')[0]).toMatch(/^error: unknown client "x\\x1b\[2J"; clients: /);
    });

    it.each([
      [['list', '--client', 'cursor'], /^error: list does not take --client$/],
      [['revoke', 'key_0000000000000001', '--client', 'cursor'], /^error: revoke does not take --client$/],
      [['create', '--server', 'demo-apikey', '--client'], /^error: --client needs a value$/],
      [
        ['create', '--server', 'demo-apikey', '--client', 'zed', '--client', 'zed'],
        /^error: --client is given more than once$/,
      ],
    ])('%j is refused', async (argv, message) => {
      const { env } = await freshTable();
      const run = await cli(argv, env);
      expect(run.code).toBe(2);
      expect(run.err.join('\n').split('\n')[0]).toMatch(message);
    });
  });

  it('--help names every client', async () => {
    const run = await cli(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.out).toContain(CLIENT_NAMES.join(', '));
    expect(run.out).toContain('[--client NAME]');
  });
});
