import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { npmStartEnv, runNpmStart, spawnNpmStart, type NpmStart } from '../helpers/local-stack';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

const ping = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

/** What a failed `npm start` printed must be one line: no stack trace. */
function expectOneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0];
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('one local stack per folder', () => {
  const localDir = mkdtempSync(join(tmpdir(), 'mcp-gate-folder-'));
  const stateFile = join(localDir, 'state.json');
  const env = npmStartEnv(localDir);
  let first: NpmStart;
  let state: { pid: number; baseUrl: string };
  let stateText: string;
  let printedAfterBanner = '';

  beforeAll(async () => {
    first = await spawnNpmStart(['--quiet'], env);
    first.child.stdout!.on('data', (chunk: Buffer) => (printedAfterBanner += chunk.toString()));
    stateText = readFileSync(stateFile, 'utf8');
    state = JSON.parse(stateText);
  });

  afterAll(async () => {
    await first.stop();
  });

  it.each([
    ['persistent', []],
    ['--in-memory', ['--in-memory']],
  ])('a second %s one says which stack holds the folder and exits non-zero', async (_mode, args) => {
    const second = await runNpmStart(args, env);

    expect(second.code).not.toBe(0);
    const line = expectOneLine(second.stderr);
    expect(line).toContain(`another local stack (pid ${state.pid}, ${state.baseUrl})`);
    expect(line).toContain('state.json');
    expect(second.stderr).not.toMatch(/Database is closed/);
    // The running stack keeps its state file, for the key CLI.
    expect(readFileSync(stateFile, 'utf8')).toBe(stateText);
  });

  it('the first keeps serving, and the key CLI still finds it with no flags', async () => {
    expect((await ping(`${state.baseUrl}/demo-public/mcp`)).status).toBe(200);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [TSX, 'bin/keys.ts', 'create', '--server', 'demo-apikey', '--json'],
      { cwd: ROOT, env },
    );
    const key = JSON.parse(stdout);
    expect((await ping(`${state.baseUrl}/demo-apikey/mcp`, { 'x-api-key': key.apiKey })).status).toBe(200);
    // --quiet: no request log (the public request's line would have arrived while the CLI ran).
    expect(printedAfterBanner).not.toContain('/demo-public/mcp');
  });

  it('stopping the first frees the folder: no state file, no lock left', async () => {
    expect(await first.stop()).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
    expect(existsSync(`${stateFile}.lock`)).toBe(false);
    expect(existsSync(join(localDir, 'dynamodb.lock'))).toBe(false);
  });

  it('takes over locks left by a process that is gone, and keeps the keys of the folder', async () => {
    const pid = await deadPid();
    writeFileSync(`${stateFile}.lock`, JSON.stringify({ pid, url: 'http://127.0.0.1:1' }));
    writeFileSync(join(localDir, 'dynamodb.lock'), JSON.stringify({ pid }));

    const again = await spawnNpmStart([], env);
    try {
      const { baseUrl, pid: owner } = JSON.parse(readFileSync(stateFile, 'utf8'));
      expect(owner).not.toBe(pid);
      expect(JSON.parse(readFileSync(`${stateFile}.lock`, 'utf8'))).toEqual({ pid: owner, url: baseUrl });
      const { stdout } = await promisify(execFile)(process.execPath, [TSX, 'bin/keys.ts', 'list', '--json'], {
        cwd: ROOT,
        env,
      });
      // The key created by the first stack is still in the folder's DynamoDB data.
      expect(stdout).toContain('demo-apikey');
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});

describe('npm start configuration errors: one line naming what to fix, no stack trace, non-zero exit', () => {
  const env = npmStartEnv(mkdtempSync(join(tmpdir(), 'mcp-gate-config-')));

  it.each([
    ['PORT', '70000'],
    ['PORT', 'abc'],
    ['DYNAMODB_PORT', '-1'],
    ['DOWNSTREAM_PORT', '65536'],
  ])('%s=%s', async (variable, value) => {
    const run = await runNpmStart(['--in-memory'], { ...env, [variable]: value });
    expect(run.code).not.toBe(0);
    expect(expectOneLine(run.stderr)).toBe(
      `error: ${variable} must be a port number from 0 to 65535 (0 picks a free one), got "${value}"`,
    );
  });

  it('a bad server configuration', async () => {
    // Loads config/servers.ts with an invalid server in it, through the real validation.
    const preload = join(mkdtempSync(join(tmpdir(), 'mcp-gate-preload-')), 'bad-servers.cjs');
    writeFileSync(
      preload,
      `const Module = require('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (/[\\\\/]config[\\\\/]servers$/.test(request)) {
    const { resolveServers } = load.call(this, ${JSON.stringify(join(ROOT, 'config', 'validate.ts'))}, parent, false);
    return { servers: resolveServers([{ name: 'Not Valid', authMode: 'none', tools: [] }]) };
  }
  return load.apply(this, arguments);
};
`,
    );
    const run = await runNpmStart(['--in-memory'], { ...env, NODE_OPTIONS: `--require ${preload}` });
    expect(run.code).not.toBe(0);
    expect(expectOneLine(run.stderr)).toMatch(/^error: server name "Not Valid" is invalid/);
  });
});

describe('npm start on an unexpected failure (a bug)', () => {
  it('prints the stack trace and exits non-zero', async () => {
    // Starting the stack fails with a plain Error, as a bug in it would.
    const preload = join(mkdtempSync(join(tmpdir(), 'mcp-gate-preload-')), 'failing-stack.cjs');
    writeFileSync(
      preload,
      `const Module = require('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === './stack' && /[\\/]local[\\/]cli[.]ts$/.test(parent?.filename ?? '')) {
    return { ...load.apply(this, arguments), startLocalStack: async () => { throw new TypeError('an unexpected failure'); } };
  }
  return load.apply(this, arguments);
};
`,
    );
    const env = npmStartEnv(mkdtempSync(join(tmpdir(), 'mcp-gate-bug-')), { NODE_OPTIONS: `--require ${preload}` });
    const run = await runNpmStart(['--in-memory'], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('TypeError: an unexpected failure');
    expect(run.stderr).toMatch(/^\s+at /m);
  });
});
