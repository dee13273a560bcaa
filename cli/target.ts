import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { ResolvedServer } from '../config/types';
import { API_TYPE_OUTPUT, serverUrlOutput } from '../lib/output-names';
import { createDocumentClient } from '../lambdas/keys/dynamo-client';
import { DynamoKeyStore, ensureKeysTable, keysTableExists } from '../lambdas/keys/dynamo-key-store';
import { KeyService } from '../lambdas/keys/key-service';
import { USAGE_PLAN_IDS_OUTPUT } from '../config/plans';
import { LOCAL_GRANTS_TABLE_NAME } from '../lambdas/oauth/grants-schema';
import { DynamoTokenStore, type TokenStore } from '../lambdas/oauth/token-store';
import { ConfigError, InvalidInputError } from '../lambdas/shared/errors';
import { LOCAL_TABLE_NAME, type LocalState } from '../local/state';
import { UsageCounters } from '../local/usage-counters';
import { ApiGatewayKeyPlans } from './api-gateway-plans';
import { describeSdkFailure } from './failures';
import { printable } from './text';

export const DEFAULT_STACK_NAME = 'McpGate';

/** The rules `planTarget` follows, as the usage text states them. */
export const TARGET_RULES = `Where keys live (first that applies):
  DYNAMODB_ENDPOINT set   that endpoint; the table is --table, KEYS_TABLE_NAME or ${LOCAL_TABLE_NAME}.
                          Only ${LOCAL_TABLE_NAME} (the local stack's own) is created when missing;
                          any other table must exist. --stack is refused: unset DYNAMODB_ENDPOINT for AWS.
  --stack NAME            AWS, also while npm start runs: the table is --table, KEYS_TABLE_NAME or the
                          stack's KeysTableName output.
  npm start running       its embedded DynamoDB and table; --table names another table there, which
                          must exist (to reach AWS instead, add --stack ${DEFAULT_STACK_NAME}).
  otherwise               AWS (standard credential chain); the table is --table, KEYS_TABLE_NAME or
                          the deployed stack's outputs (--stack, default ${DEFAULT_STACK_NAME}).
OAuth grants (oauth servers): GRANTS_TABLE_NAME, or locally ${LOCAL_GRANTS_TABLE_NAME} beside the keys
  when it exists, or on AWS the stack's GrantsTableName output when the keys table is its KeysTableName;
  otherwise grants are not read or ended.
Printed URLs: --url, else on AWS the server's own <Server>Url output (oauth servers: the custom domain),
  else the stack's ApiUrl.`;

export type TargetKind = 'endpoint' | 'local-stack' | 'aws';

/** Where a command's keys are, decided from the flags, the environment and a running local stack; no I/O. */
export interface TargetPlan {
  readonly kind: TargetKind;
  /** The DynamoDB endpoint; undefined on AWS. */
  readonly endpoint?: string;
  /** The table; undefined on AWS until the stack's outputs name it. */
  readonly table?: string;
  /** The stack whose outputs fill in the table and base URL (AWS only). */
  readonly stack?: string;
  readonly baseUrl?: string;
  /** The local stack's own table, which alone may be created when missing. */
  readonly ownTable?: string;
}

export interface TargetFlags {
  readonly table?: string;
  readonly stack?: string;
  readonly url?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

function checkTable(name: string, source: 'flag' | 'env'): string {
  if (TABLE_NAME.test(name)) return name;
  const what = source === 'flag' ? '--table' : 'KEYS_TABLE_NAME';
  const message = `${what} "${printable(name)}" is not a DynamoDB table name (3-255 letters, digits, _ . -)`;
  throw source === 'flag' ? new InvalidInputError(message) : new ConfigError(message);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Checks every flag and variable that picks the target, and applies the rules in `TARGET_RULES`. */
export function planTarget(flags: TargetFlags, env: Env, local: LocalState | undefined): TargetPlan {
  if (flags.table !== undefined) checkTable(flags.table, 'flag');
  const envTable = env.KEYS_TABLE_NAME?.trim() ? checkTable(env.KEYS_TABLE_NAME.trim(), 'env') : undefined;
  if (flags.stack !== undefined && !STACK_NAME.test(flags.stack))
    throw new InvalidInputError(`--stack "${printable(flags.stack)}" is not a CloudFormation stack name`);
  if (flags.url !== undefined && !isHttpUrl(flags.url))
    throw new InvalidInputError(
      `--url "${printable(flags.url)}" is not an http(s) URL (like https://abc123.execute-api.us-east-1.amazonaws.com/prod)`,
    );
  const endpoint = env.DYNAMODB_ENDPOINT?.trim() || undefined;

  if (endpoint !== undefined) {
    if (!isHttpUrl(endpoint))
      throw new ConfigError(
        `DYNAMODB_ENDPOINT "${printable(endpoint)}" is not an http(s) URL (like http://127.0.0.1:8000)`,
      );
    if (flags.stack !== undefined)
      throw new InvalidInputError(
        '--stack reads a deployed stack on AWS, but DYNAMODB_ENDPOINT points at another DynamoDB: ' +
          'unset DYNAMODB_ENDPOINT to use AWS',
      );
    const here = local?.dynamodbEndpoint === endpoint ? local : undefined;
    const ownTable = here?.tableName ?? LOCAL_TABLE_NAME;
    return {
      kind: 'endpoint',
      endpoint,
      table: flags.table ?? envTable ?? ownTable,
      baseUrl: flags.url ?? here?.baseUrl,
      ownTable,
    };
  }
  if (local && flags.stack === undefined) {
    return {
      kind: 'local-stack',
      endpoint: local.dynamodbEndpoint,
      table: flags.table ?? local.tableName,
      baseUrl: flags.url ?? local.baseUrl,
      ownTable: local.tableName,
    };
  }
  return {
    kind: 'aws',
    table: flags.table ?? envTable,
    stack: flags.stack ?? DEFAULT_STACK_NAME,
    baseUrl: flags.url,
  };
}

export interface Target {
  /** Ends a key's OAuth grants on revoke and rotate where `tokens` finds a grants table. */
  readonly service: KeyService;
  readonly plan: TargetPlan;
  readonly table: string;
  readonly baseUrl?: string;
  /** The base URL of one server's printed URLs: `--url`, its own `<Server>Url` output less its route, or `baseUrl`. */
  readonly baseUrlOf: (serverName: string) => string | undefined;
  /** Where the keys are, for people. */
  readonly where: string;
  /**
   * The OAuth grants beside the keys, or undefined when there is no grants table: locally
   * GRANTS_TABLE_NAME or the local stack's own, if it exists; on AWS GRANTS_TABLE_NAME, or the
   * stack's GrantsTableName output when the keys table is the stack's too.
   * Looked up once, on first use.
   */
  readonly tokens: () => Promise<TokenStore | undefined>;
}

/**
 * Connects to the planned target. A local target's table must exist, except the local stack's
 * own, which is created when missing (DynamoDB Local for `sam local` starts empty); `note`
 * says so when it happens. `needsUrl`: the command prints a client config, so an AWS target
 * without `--url` reads the servers' URLs from the stack.
 */
export async function openTarget(
  plan: TargetPlan,
  servers: readonly ResolvedServer[],
  note: (text: string) => void,
  needsUrl: boolean,
  env: Env = {},
): Promise<Target> {
  let table = plan.table;
  let baseUrl = plan.baseUrl;
  let where: string;
  // The stack's outputs once read: the servers' URLs for a new key's client config.
  let readOnce: Record<string, string> | undefined;
  let stackGrantsTable: string | undefined;
  const client = createDocumentClient({ endpoint: plan.endpoint });
  let outputs: Promise<Record<string, string>> | undefined;
  const readOutputs = () => (outputs ??= stackOutputs(plan.stack ?? DEFAULT_STACK_NAME));
  if (plan.kind === 'aws') {
    // The stack's outputs name the tables, and the servers' URLs for a new key's client config.
    if (!table || (needsUrl && !baseUrl)) {
      const outputs = (readOnce = await readOutputs());
      // Its grants table goes with its keys table: beside a table named by hand, GRANTS_TABLE_NAME alone.
      if (!table) stackGrantsTable = outputs.GrantsTableName;
      table ??= outputs.KeysTableName;
      baseUrl ??= outputs.ApiUrl;
      if (!table)
        throw new InvalidInputError(
          `stack ${plan.stack ?? DEFAULT_STACK_NAME} has no KeysTableName output; pass --table`,
        );
    }
    where = `AWS (table ${table})`;
  } else {
    table = table!;
    if (table === plan.ownTable) {
      if (plan.kind === 'endpoint' && (await ensureKeysTable(client, table)))
        note(`note: created the keys table ${table} at ${plan.endpoint}`);
    } else if (!(await keysTableExists(client, table))) {
      throw new InvalidInputError(
        `table "${table}" does not exist at ${plan.endpoint}; ` +
          `only the local stack's own table (${plan.ownTable}) is created when missing`,
      );
    }
    where =
      plan.kind === 'endpoint'
        ? `${plan.endpoint} (table ${table})`
        : `the local stack (npm start, ${plan.endpoint}${table === plan.ownTable ? '' : `, table ${table}`})`;
  }
  const grantsEnv = env.GRANTS_TABLE_NAME?.trim() || undefined;
  if (grantsEnv !== undefined && !TABLE_NAME.test(grantsEnv))
    throw new ConfigError(
      `GRANTS_TABLE_NAME "${printable(grantsEnv)}" is not a DynamoDB table name (3-255 letters, digits, _ . -)`,
    );
  const grantsTable = grantsEnv ?? stackGrantsTable;
  let tokens: Promise<TokenStore | undefined> | undefined;
  const openTokens = async (): Promise<TokenStore | undefined> => {
    if (plan.kind === 'aws') return grantsTable === undefined ? undefined : new DynamoTokenStore(client, grantsTable);
    const name = grantsTable ?? LOCAL_GRANTS_TABLE_NAME;
    return (await keysTableExists(client, name)) ? new DynamoTokenStore(client, name) : undefined;
  };
  const openedTokens = () => (tokens ??= openTokens());
  // On AWS each key is backed by an API Gateway API key on its plan's usage plan; locally the
  // local stack enforces the plans and keeps the counters beside the keys.
  const apiKeys =
    plan.kind === 'aws'
      ? new ApiGatewayKeyPlans({
          client: new APIGatewayClient({}),
          planIds: async () => {
            const outputs = await readOutputs();
            // An HTTP API has no usage plans: its keys need no API Gateway keys.
            return outputs[API_TYPE_OUTPUT] === 'http' ? null : usagePlanIds(outputs, plan.stack ?? DEFAULT_STACK_NAME);
          },
          note,
        })
      : undefined;
  return {
    service: new KeyService({
      store: new DynamoKeyStore(client, table),
      servers,
      grants: openedTokens,
      apiKeys,
      usage: apiKeys ?? new UsageCounters(client),
    }),
    plan,
    table,
    baseUrl,
    baseUrlOf: (serverName) => {
      if (plan.baseUrl !== undefined) return plan.baseUrl;
      const route = servers.find((s) => s.name === serverName)?.routes[0];
      const url = readOnce?.[serverUrlOutput(serverName)];
      return route !== undefined && url?.endsWith(route) ? url.slice(0, -route.length) : baseUrl;
    },
    where,
    tokens: openedTokens,
  };
}

/** The stack's `UsagePlanIds` output: each plan's usage plan id; undefined before the plans are deployed. */
function usagePlanIds(outputs: Record<string, string>, stackName: string): Record<string, string> | undefined {
  const text = outputs[USAGE_PLAN_IDS_OUTPUT];
  if (!text) return undefined;
  try {
    const ids: unknown = JSON.parse(text);
    if (typeof ids === 'object' && ids !== null && Object.values(ids).every((id) => typeof id === 'string'))
      return ids as Record<string, string>;
  } catch {
    // Reported below.
  }
  throw new InvalidInputError(`stack ${stackName}'s ${USAGE_PLAN_IDS_OUTPUT} output is not a JSON object of ids`);
}

async function stackOutputs(stackName: string): Promise<Record<string, string>> {
  let out;
  try {
    out = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (error) {
    const missing = error instanceof Error && /does not exist/.test(error.message);
    throw new InvalidInputError(
      `could not read the outputs of stack ${stackName} (${missing ? 'no such stack in this account and region' : describeSdkFailure(error)}); ` +
        'start the local stack with npm start, set DYNAMODB_ENDPOINT, or pass --table',
      { cause: error },
    );
  }
  const outputs: Record<string, string> = {};
  for (const o of out.Stacks?.[0]?.Outputs ?? [])
    if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
  return outputs;
}
