import './node20-sdk-warning';
import { clientConfig, serverUrl } from '../config/client-config';
import { intEnv } from '../lambdas/shared/env';
import { ConfigError, McpGateError } from '../lambdas/shared/errors';
import { startLocalStack } from '../local/stack';
import { clearLocalState, writeLocalState } from '../local/state';

const USAGE = `Usage: npm start [-- --in-memory]

Runs every configured MCP server on localhost with an embedded DynamoDB, the real authorizer
and handlers, and API Gateway's behaviour. Environment: PORT (3000), DYNAMODB_PORT (8000),
DOWNSTREAM_PORT (3001), AUTH_CACHE_TTL_SECONDS (60; 0 turns the authorizer cache off).
  --in-memory   keep keys in memory only (default: kept in .local/dynamodb across restarts)`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const unknown = args.filter((a) => a !== '--in-memory');
  if (unknown.length > 0) throw new McpGateError(`unknown option ${unknown[0]}\n\n${USAGE}`);

  const startedAt = process.hrtime.bigint();
  const stack = await startLocalStack({
    port: intEnv('PORT', 3000),
    dynamodbPort: intEnv('DYNAMODB_PORT', 8000),
    downstreamPort: intEnv('DOWNSTREAM_PORT', 3001),
    cacheTtlSeconds: intEnv('AUTH_CACHE_TTL_SECONDS', 60),
    inMemory: args.includes('--in-memory'),
  });
  writeLocalState({
    pid: process.pid,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    tableName: stack.tableName,
    baseUrl: stack.baseUrl,
  });
  const readyMs = Number(process.hrtime.bigint() - startedAt) / 1e6;

  const width = Math.max(...stack.servers.map((s) => s.name.length));
  const keyed = stack.servers.find((s) => s.authMode !== 'none');
  console.log(
    [
      '',
      `mcp-gate local stack ready in ${readyMs.toFixed(0)} ms`,
      '',
      ...stack.servers.map(
        (s) => `  ${s.name.padEnd(width)}  ${s.authMode.padEnd(17)}  ${serverUrl(stack.baseUrl, s.name)}`,
      ),
      '',
      `  DynamoDB (embedded)  ${stack.dynamodbEndpoint}  table ${stack.tableName}`,
      `  Demo downstream API  ${stack.downstreamUrl}`,
      '',
      ...(keyed
        ? ['Create a key (from another terminal):', `  npm run keys -- create --server ${keyed.name}`, '']
        : []),
      'Public servers need no key, e.g.:',
      JSON.stringify(
        clientConfig(
          stack.servers[0].name,
          stack.servers[0].authMode,
          serverUrl(stack.baseUrl, stack.servers[0].name),
          '<key>',
        ),
      ),
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    clearLocalState(process.pid);
    stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(
    `error: ${error instanceof McpGateError || error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
