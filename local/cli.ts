import { clientConfig } from '../config/client-config';
import type { ResolvedServer } from '../config/types';
import { intEnv } from '../lambdas/shared/env';
import { observeLines, setLineOutput } from '../lambdas/shared/log-output';
import { levelFromEnv } from '../lambdas/shared/logger';
import { API_TYPES, type ApiType } from '../lib/api-type';
import { McpGateError } from '../lambdas/shared/errors';
import { portEnv } from './listen';
import { createRequestLog, passesLevel, supportsColor } from './request-log';
import { startLocalStack, type LocalStack } from './stack';
import { clearLocalState, lockLocalState, writeLocalState } from './state';

export const USAGE = `Usage: npm start [-- --in-memory] [--quiet]

Runs every configured MCP server on localhost with an embedded DynamoDB, the real authorizer
and handlers, and API Gateway's behaviour. Environment: PORT (3000), DYNAMODB_PORT (8000),
DOWNSTREAM_PORT (3001), AUTH_CACHE_TTL_SECONDS (60; 0 turns the authorizer cache off),
MCP_GATE_LOCAL_DIR (.local: the state file and the keys kept across restarts), LOG_LEVEL (info:
the functions' log lines, EMF records and audit lines shown; debug, warn or error), NO_COLOR,
API_TYPE (rest; http emulates an API Gateway HTTP API, as -c mcp-gate:apiType=http deploys).
  --in-memory   keep keys in memory only (default: kept in .local/dynamodb across restarts)
  --quiet       no request log (the one line per request)`;

type Env = Readonly<Record<string, string | undefined>>;

/** `API_TYPE`: `rest` (default) or `http`; anything else is an error naming the variable. */
function apiTypeEnv(env: Env): ApiType {
  const raw = env.API_TYPE?.trim();
  if (raw === undefined || raw === '') return 'rest';
  if ((API_TYPES as readonly string[]).includes(raw)) return raw as ApiType;
  throw new McpGateError(`API_TYPE must be one of ${API_TYPES.join(', ')}, got ${JSON.stringify(raw)}`);
}

/**
 * `npm start`: reads the options and the environment (every error names what to fix), claims
 * the state file (one local stack per folder), starts the stack, prints the banner and stops
 * cleanly on SIGINT or SIGTERM.
 */
export async function runLocalStack(
  args: readonly string[],
  env: Env = process.env,
  print: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    print(USAGE);
    return;
  }
  const unknown = args.filter((a) => a !== '--in-memory' && a !== '--quiet');
  if (unknown.length > 0) throw new McpGateError(`unknown option ${unknown[0]}\n\n${USAGE}`);
  const settings = {
    port: portEnv('PORT', 3000, env),
    dynamodbPort: portEnv('DYNAMODB_PORT', 8000, env),
    downstreamPort: portEnv('DOWNSTREAM_PORT', 3001, env),
    cacheTtlSeconds: intEnv('AUTH_CACHE_TTL_SECONDS', 60, env),
    inMemory: args.includes('--in-memory'),
    apiType: apiTypeEnv(env),
  };

  // The functions' lines at LOG_LEVEL and up, as CloudWatch Logs would show them (EMF and audit lines as info).
  const level = levelFromEnv(env);
  setLineOutput((line) => {
    if (passesLevel(line, level)) print(line);
  });
  const requestLog = args.includes('--quiet')
    ? undefined
    : createRequestLog({ write: print, color: supportsColor(process.stdout, env) });
  if (requestLog) observeLines(requestLog.observeLine);

  const startedAt = process.hrtime.bigint();
  const lock = lockLocalState();
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ ...settings, onRequest: requestLog?.onRequest });
  } catch (error) {
    lock.release();
    throw error;
  }
  lock.setUrl(stack.baseUrl);
  writeLocalState({
    pid: process.pid,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    tableName: stack.tableName,
    baseUrl: stack.baseUrl,
  });
  const readyMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  print(banner(stack, readyMs));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    print(`\n${signal}: stopping the local stack…`);
    clearLocalState(process.pid);
    stack.close().then(
      () => {
        lock.release();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** What `npm start` prints once ready: every server with each of its routes, and how to begin. */
export function banner(
  stack: Pick<
    LocalStack,
    'baseUrl' | 'servers' | 'dynamodbEndpoint' | 'tableName' | 'downstreamUrl' | 'grantsTableName'
  >,
  readyMs: number,
): string {
  const width = Math.max(...stack.servers.map((s) => s.name.length));
  const urlOf = (route: string) => `${stack.baseUrl}${route}`;
  const rows = stack.servers.flatMap((s) =>
    s.routes.map((route, i) =>
      i === 0
        ? `  ${s.name.padEnd(width)}  ${s.authMode.padEnd(17)}  ${urlOf(route)}`
        : `  ${''.padEnd(width)}  ${''.padEnd(17)}  ${urlOf(route)}`,
    ),
  );
  const keyed = stack.servers.find((s) => s.authMode !== 'none');
  const example = exampleOf(stack.servers);
  const oauth = stack.servers.filter((s) => s.authMode === 'oauth');
  return [
    '',
    `mcp-gate local stack ready in ${readyMs.toFixed(0)} ms`,
    '',
    ...rows,
    '',
    ...(oauth.length > 0
      ? [
          'OAuth servers: a client connects with OAuth at the URL (the consent page asks for an API key of that',
          'server), or sends the key itself as `Authorization: Bearer <key>`:',
          ...oauth.map((s) => `  ${s.name}  ${urlOf(s.routes[0])}`),
          '',
        ]
      : []),
    `  DynamoDB (embedded)  ${stack.dynamodbEndpoint}  table ${stack.tableName}${
      stack.grantsTableName ? `, OAuth grants table ${stack.grantsTableName}` : ''
    }`,
    `  Demo downstream API  ${stack.downstreamUrl}`,
    '',
    ...(keyed ? ['Create a key (from another terminal):', `  npm run keys -- create --server ${keyed.name}`, ''] : []),
    ...(example
      ? [
          'Public servers need no key, e.g.:',
          JSON.stringify(clientConfig(example.server.name, example.server.authMode, urlOf(example.route), '<key>')),
          '',
        ]
      : []),
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** A public server's route a client can use as it is (no `{param}` to fill in), if any. */
function exampleOf(servers: readonly ResolvedServer[]): { server: ResolvedServer; route: string } | undefined {
  for (const server of servers) {
    if (server.authMode !== 'none') continue;
    const route = server.routes.find((r) => !r.includes('{'));
    if (route) return { server, route };
  }
  return undefined;
}
