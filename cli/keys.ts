import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { clientConfig, serverUrl } from '../config/client-config';
import { servers } from '../config/servers';
import type { ResolvedServer } from '../config/types';
import { createDocumentClient } from '../lambdas/keys/dynamo-client';
import { DynamoKeyStore, ensureKeysTable } from '../lambdas/keys/dynamo-key-store';
import { parseDuration } from '../lambdas/keys/key-format';
import { KeyService } from '../lambdas/keys/key-service';
import type { KeySummary } from '../lambdas/keys/key-store';
import { ConfigError, InvalidInputError, McpGateError } from '../lambdas/shared/errors';
import { LOCAL_TABLE_NAME, readLocalState } from '../local/state';

export const DEFAULT_STACK_NAME = 'McpGate';

const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
  create --server NAME [--label TEXT] [--expires-in 30d] [--json]
                        Create a key; it is printed once, with a client config.
  list [--server NAME] [--json]
                        List keys (never their secrets).
  revoke KEY_ID         Revoke a key at once.
  rotate KEY_ID [--grace 1h] [--json]
                        Create a replacement; the old key stops after the grace period.

Where keys live (first that applies):
  DYNAMODB_ENDPOINT set     that endpoint (table: --table, KEYS_TABLE_NAME or ${LOCAL_TABLE_NAME})
  npm start running         its embedded DynamoDB
  otherwise                 AWS (standard credential chain); table from --table, KEYS_TABLE_NAME
                            or the deployed stack's outputs (--stack, default ${DEFAULT_STACK_NAME})
Options: --table NAME, --stack NAME, --url BASE_URL (for the printed client config), --help`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface Target {
  readonly service: KeyService;
  readonly baseUrl?: string;
  readonly where: string;
}

/** Runs one CLI command; returns the exit code. Never prints a key except the one `create`/`rotate` just made. */
export async function runKeysCli(
  argv: readonly string[],
  io: CliIo,
  servers_: readonly ResolvedServer[] = servers,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        label: { type: 'string' },
        'expires-in': { type: 'string' },
        grace: { type: 'string' },
        json: { type: 'boolean', default: false },
        table: { type: 'string' },
        stack: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (values.help || command === 'help' ? io.out : io.err)(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }

  try {
    switch (command) {
      case 'create': {
        if (!values.server) throw new InvalidInputError('create needs --server NAME');
        const expiresIn = values['expires-in'] === undefined ? undefined : parseDuration(values['expires-in']);
        const target = await resolveTarget(values, io, servers_);
        target.service.keyedServer(values.server);
        const issued = await target.service.create({
          server: values.server,
          label: values.label,
          expiresInSeconds: expiresIn,
        });
        printIssued(io, values.json, issued.apiKey, issued.record, target, servers_);
        return 0;
      }
      case 'list': {
        const target = await resolveTarget(values, io, servers_);
        const keys = await target.service.list(values.server);
        if (values.json) io.out(JSON.stringify({ keys }, null, 2));
        else io.out(formatList(keys));
        return 0;
      }
      case 'revoke': {
        const keyId = onePositional(rest, 'revoke KEY_ID');
        const target = await resolveTarget(values, io, servers_);
        const revoked = await target.service.revoke(keyId);
        if (values.json) io.out(JSON.stringify(revoked));
        else
          io.out(
            `Revoked ${revoked.keyId} (server ${revoked.server}). It stops working within the authorizer cache TTL.`,
          );
        return 0;
      }
      case 'rotate': {
        const keyId = onePositional(rest, 'rotate KEY_ID');
        const grace = values.grace === undefined ? 0 : parseDuration(values.grace);
        const target = await resolveTarget(values, io, servers_);
        const { issued, old } = await target.service.rotate(keyId, grace);
        if (!values.json) {
          io.out(
            grace === 0
              ? `Rotated ${old.keyId}: revoked now.`
              : `Rotated ${old.keyId}: it keeps working until ${new Date((old.expiresAt ?? 0) * 1000).toISOString()}.`,
          );
        }
        printIssued(io, values.json, issued.apiKey, issued.record, target, servers_, old.keyId);
        return 0;
      }
      default:
        throw new InvalidInputError(`unknown command "${command}"; commands: create, list, revoke, rotate`);
    }
  } catch (error) {
    io.err(`error: ${error instanceof McpGateError || error instanceof ConfigError ? error.message : describe(error)}`);
    return 1;
  }
}

function onePositional(rest: string[], usage: string): string {
  if (rest.length !== 1) throw new InvalidInputError(`usage: ${usage}`);
  return rest[0];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function resolveTarget(
  values: { table?: string; stack?: string; url?: string },
  io: CliIo,
  servers_: readonly ResolvedServer[],
): Promise<Target> {
  const service = (endpoint: string | undefined, table: string) =>
    new KeyService({ store: new DynamoKeyStore(createDocumentClient({ endpoint }), table), servers: servers_ });
  const local = readLocalState();
  const endpoint = io.env.DYNAMODB_ENDPOINT || undefined;
  if (endpoint) {
    const table = values.table ?? io.env.KEYS_TABLE_NAME ?? LOCAL_TABLE_NAME;
    // A local DynamoDB (DynamoDB Local for sam local, say) may not have the table yet; AWS tables come from the stack.
    await ensureKeysTable(createDocumentClient({ endpoint }), table);
    const baseUrl = values.url ?? (local?.dynamodbEndpoint === endpoint ? local.baseUrl : undefined);
    return { service: service(endpoint, table), baseUrl, where: `${endpoint} (table ${table})` };
  }
  if (local && !values.table && !values.stack) {
    return {
      service: service(local.dynamodbEndpoint, local.tableName),
      baseUrl: values.url ?? local.baseUrl,
      where: `the local stack (npm start, ${local.dynamodbEndpoint})`,
    };
  }
  let table = values.table ?? io.env.KEYS_TABLE_NAME;
  let baseUrl = values.url;
  if (!table || !baseUrl) {
    const outputs = await stackOutputs(values.stack ?? DEFAULT_STACK_NAME);
    table ??= outputs.KeysTableName;
    baseUrl ??= outputs.ApiUrl;
    if (!table)
      throw new InvalidInputError(
        `stack ${values.stack ?? DEFAULT_STACK_NAME} has no KeysTableName output; pass --table`,
      );
  }
  return { service: service(undefined, table), baseUrl, where: `AWS (table ${table})` };
}

async function stackOutputs(stackName: string): Promise<Record<string, string>> {
  try {
    const out = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs: Record<string, string> = {};
    for (const o of out.Stacks?.[0]?.Outputs ?? [])
      if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
    return outputs;
  } catch (error) {
    throw new InvalidInputError(
      `could not read the outputs of stack ${stackName} (${describe(error)}); start the local stack with npm start, ` +
        'set DYNAMODB_ENDPOINT, or pass --table',
    );
  }
}

function printIssued(
  io: CliIo,
  json: boolean,
  apiKey: string,
  record: KeySummary,
  target: Target,
  servers_: readonly ResolvedServer[],
  replaces?: string,
): void {
  const server = servers_.find((s) => s.name === record.server);
  const url = target.baseUrl ? serverUrl(target.baseUrl, record.server) : `https://<your-api>/${record.server}/mcp`;
  const config = clientConfig(record.server, server?.authMode ?? 'apiKey', url, apiKey);
  if (json) {
    io.out(
      JSON.stringify({
        keyId: record.keyId,
        apiKey,
        server: record.server,
        label: record.label,
        hint: record.hint,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
        replaces,
        url,
        clientConfig: config,
      }),
    );
    return;
  }
  io.out(
    [
      `Created key ${record.keyId} for server ${record.server} in ${target.where}` +
        (record.expiresAt ? `, expires ${new Date(record.expiresAt * 1000).toISOString()}` : '') +
        '.',
      'This is the only time the key is shown; only its SHA-256 digest is stored.',
      '',
      `  ${apiKey}`,
      '',
      'Client configuration:',
      JSON.stringify(config, null, 2),
    ].join('\n'),
  );
}

function formatList(keys: readonly KeySummary[]): string {
  if (keys.length === 0) return 'No keys.';
  const now = Date.now() / 1000;
  const rows = keys.map((k) => [
    k.keyId,
    k.server,
    k.status === 'active' && k.expiresAt !== undefined && k.expiresAt <= now ? 'expired' : k.status,
    k.hint,
    k.label ?? '',
    k.createdAt,
    k.expiresAt ? new Date(k.expiresAt * 1000).toISOString() : '',
    k.lastUsedAt ?? '',
  ]);
  const header = ['KEY ID', 'SERVER', 'STATUS', 'HINT', 'LABEL', 'CREATED', 'EXPIRES', 'LAST USED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
