import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { API_TYPES } from '../../lib/api-type';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/**
 * `npm start` as a user runs it, behind either API type: its own process, a banner,
 * `npm run keys` from another process with no flags, a request log line, and a clean stop on SIGTERM.
 */
describe.each(API_TYPES)('npm start in its own process (API_TYPE=%s)', (apiType) => {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'mcp-gate-')), 'state.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    DYNAMODB_PORT: '0',
    DOWNSTREAM_PORT: '0',
    MCP_GATE_STATE_FILE: stateFile,
    LOG_LEVEL: 'info',
    NO_COLOR: '1',
    API_TYPE: apiType,
  };
  delete env.DYNAMODB_ENDPOINT;
  delete env.KEYS_TABLE_NAME;
  let child: ChildProcess;
  let banner = '';

  beforeAll(async () => {
    // tsx's loader in the process itself: tsx's CLI relays SIGTERM through a second process that
    // kills its child outright when the child does not confirm within 30 ms, as on a loaded machine.
    child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts', '--in-memory'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        if (banner.includes('Ctrl-C stops everything.')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`npm start exited early (${code}): ${banner}`)));
    });
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints every server with its URL and mode, the DynamoDB endpoint and the command to create a key', () => {
    const { baseUrl, dynamodbEndpoint } = JSON.parse(readFileSync(stateFile, 'utf8'));
    for (const [server, mode] of [
      ['demo-public', 'none'],
      ['demo-apikey', 'apiKey'],
      ['demo-passthrough', 'bearerPassthrough'],
    ]) {
      expect(banner).toMatch(new RegExp(`${server}\\s+${mode}\\s+${baseUrl}/${server}/mcp`));
    }
    expect(banner).toContain(dynamodbEndpoint);
    expect(banner).toContain('npm run keys -- create --server demo-apikey');
  });

  it('lets `npm run keys -- create` find it with no flags or env, and prints a local client config that works', async () => {
    const { baseUrl } = JSON.parse(readFileSync(stateFile, 'utf8'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [TSX, 'bin/keys.ts', 'create', '--server', 'demo-apikey', '--json'],
      { cwd: ROOT, env },
    );
    const key = JSON.parse(stdout);
    expect(key.clientConfig.mcpServers['demo-apikey'].url).toBe(`${baseUrl}/demo-apikey/mcp`);

    const res = await fetch(key.url, {
      method: 'POST',
      headers: {
        'x-api-key': key.apiKey,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });

    // The request log's line, after the functions' own lines (the authorizer's EMF record among them).
    const line = new RegExp(`POST /demo-apikey/mcp  200  \\d+ ms  demo-apikey  key ${key.keyId}  ping`);
    await until(() => line.test(banner));
    expect(banner).toContain(
      '"Server":"demo-apikey","Outcome":"allow","Reason":"valid-key","AuthorizationDecisions":1',
    );
    expect(banner).not.toContain(key.apiKey);
  });

  it('stops cleanly on SIGTERM and forgets its state', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the request log');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
