import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createLogger } from '../../lambdas/shared/logger';
import { createLocalGateway, type LocalGatewayOptions } from '../../local/gateway';
import { close, listen } from '../../local/listen';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';

/** A local stack for tests: free loopback ports, keys in memory. */
export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ port: 0, dynamodbPort: 0, downstreamPort: 0, inMemory: true, ...options });
}

/** Runs `run` against a local gateway alone (no stack around it) on a free loopback port, with logs discarded. */
export async function withLocalGateway(
  options: Omit<LocalGatewayOptions, 'logger'>,
  run: (baseUrl: string) => Promise<void>,
): Promise<void> {
  const gateway = createLocalGateway({ logger: createLogger('test', { sink: () => {} }), ...options });
  const http = createServer(gateway.listener);
  const port = await listen(http, 0, 'PORT');
  try {
    await run(`http://127.0.0.1:${port}`);
  } finally {
    await close(http);
  }
}

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/**
 * The environment `npm start` gets in tests: free ports, its folder (state file and DynamoDB
 * data) under `localDir`, and none of the variables that would point it elsewhere.
 */
export function npmStartEnv(localDir: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    DYNAMODB_PORT: '0',
    DOWNSTREAM_PORT: '0',
    MCP_GATE_LOCAL_DIR: localDir,
    LOG_LEVEL: 'warn',
    ...overrides,
  };
  for (const name of ['DYNAMODB_ENDPOINT', 'KEYS_TABLE_NAME', 'MCP_GATE_STATE_FILE', 'DOWNSTREAM_URL']) {
    if (!(name in overrides)) delete env[name];
  }
  return env;
}

export interface NpmStart {
  readonly child: ChildProcess;
  /** Standard output up to and including the banner. */
  readonly banner: string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/** `npm start` in its own process (as `npm start` runs it: tsx bin/local.ts), resolved once its banner is out. */
export function spawnNpmStart(args: readonly string[], env: NodeJS.ProcessEnv): Promise<NpmStart> {
  const child = spawn(process.execPath, [TSX, 'bin/local.ts', ...args], { cwd: ROOT, env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Ctrl-C stops everything.')) {
        resolve({
          child,
          banner: stdout,
          stop: () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`npm start exited early (${code}): ${stdout}${stderr}`)));
  });
}

/** `npm start` expected to fail: its exit code and what it printed. */
export function runNpmStart(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [TSX, 'bin/local.ts', ...args], { cwd: ROOT, env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    // A stack that starts after all would run on: stop it, and let the test see it did not fail.
    child.stdout.on('data', () => {
      if (stdout.includes('Ctrl-C stops everything.')) child.kill('SIGTERM');
    });
  });
}
