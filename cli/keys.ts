import { CLIENT_NAMES } from '../config/client-configs';
import type { ResolvedServer } from '../config/types';
import { checkKeyId, checkLabel, parseDuration } from '../lambdas/keys/key-format';
import { plans } from '../config/plans';
import { keyedServer, knownPlan, MAX_USAGE_DAYS } from '../lambdas/keys/key-service';
import type { KeySummary } from '../lambdas/keys/key-store';
import { InvalidInputError } from '../lambdas/shared/errors';
import { readLocalState } from '../local/state';
import { COMMANDS, commandUsage, parseCommandLine, UsageError, type CommandName, type OptionValues } from './args';
import { failureMessage, type FailurePlace } from './failures';
import { epochText, formatIssued, formatList, formatUsage, listJson } from './output';
import { openTarget, planTarget, TARGET_RULES, type Target } from './target';
import { errorLine, printable, safeJson } from './text';

export { DEFAULT_STACK_NAME } from './target';

const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
${(Object.keys(COMMANDS) as CommandName[])
  .map((name) => `  ${COMMANDS[name].synopsis}\n${COMMANDS[name].summary.replace(/^/gm, '      ')}`)
  .join('\n')}

${TARGET_RULES}

Options: --table NAME, --stack NAME, --url BASE_URL (for the printed client config), --json, --help
Clients (--client NAME, for create and rotate: the config in that client's own format; default generic):
  ${CLIENT_NAMES.join(', ')}
Plans (--plan NAME, for create and set-plan; config/plans.ts): ${plans.map((p) => p.name).join(', ')}
Durations (--expires-in, --grace) are a number and a unit (s, m, h, d, w), up to 3650d (10 years).
A command rejects options it does not take, repeated options and extra arguments.`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The configured servers, or a thunk that loads them (so a configuration error becomes a one-line failure). */
export type ServersSource = readonly ResolvedServer[] | (() => readonly ResolvedServer[]);

function loadConfiguredServers(): readonly ResolvedServer[] {
  // Loaded on first use, inside the error handling: an invalid config/servers.ts throws ConfigError here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../config/servers') as typeof import('../config/servers')).servers;
}

/**
 * Runs one CLI command; returns the exit code (0 done, 1 failed, 2 malformed command line).
 * Every failure is one line on `err`, without a stack trace. Never prints a key except the one
 * `create`/`rotate` just made, and never a digest.
 */
export async function runKeysCli(
  argv: readonly string[],
  io: CliIo,
  serversSource: ServersSource = loadConfiguredServers,
): Promise<number> {
  const usageFailure = (error: UsageError): number => {
    io.err(`error: ${error.message}\n\n${error.command ? commandUsage(error.command) : USAGE}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usageFailure(error);
  }
  if (parsed.help) {
    io.out(USAGE);
    return 0;
  }

  const place: { current: FailurePlace } = { current: {} };
  try {
    const servers = typeof serversSource === 'function' ? serversSource() : serversSource;
    await runCommand(parsed.command, parsed.keyId, parsed.values, io, servers, place);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(error);
    io.err(`error: ${failureMessage(error, place.current)}`);
    return 1;
  }
}

async function runCommand(
  command: CommandName,
  keyId: string | undefined,
  values: OptionValues,
  io: CliIo,
  servers: readonly ResolvedServer[],
  place: { current: FailurePlace },
): Promise<void> {
  // Every input is checked before anything is read or written, the target's table included.
  const expiresIn = values['expires-in'] === undefined ? undefined : parseDuration(values['expires-in']);
  const grace = values.grace === undefined ? 0 : parseDuration(values.grace);
  // A --server that names no keyed server is a mistake in the command line, as an unknown option is.
  const checkServer = (name: string): void => {
    try {
      keyedServer(servers, name);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new UsageError(errorLine(error.message), command);
      throw error;
    }
  };
  // So is a --plan that names no configured plan.
  if (values.plan !== undefined) {
    try {
      knownPlan(plans, values.plan);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new UsageError(errorLine(error.message), command);
      throw error;
    }
  }
  const days = values.days === undefined ? 7 : Number(values.days);
  if (!(Number.isInteger(days) && days >= 1 && days <= MAX_USAGE_DAYS))
    throw new UsageError(`--days takes a whole number from 1 to ${MAX_USAGE_DAYS}`, command);
  if (command === 'create') {
    checkServer(values.server!);
    if (values.label !== undefined) checkLabel(values.label);
  }
  if (keyId !== undefined) checkKeyId(keyId);
  if (expiresIn === 0) throw new InvalidInputError('the expiry must be in the future');
  if (command === 'list' && values.server !== undefined) checkServer(values.server);

  const plan = planTarget(values, io.env, readLocalState(io.env.MCP_GATE_STATE_FILE || undefined));
  place.current = { endpoint: plan.endpoint, table: plan.table };
  const target = await openTarget(plan, servers, io.err, command === 'create' || command === 'rotate', io.env);
  const aws = plan.kind === 'aws';
  place.current = { endpoint: plan.endpoint, table: target.table };
  const nowSeconds = () => Date.now() / 1000;

  switch (command) {
    case 'create': {
      const issued = await target.service.create({
        server: values.server!,
        label: values.label,
        expiresInSeconds: expiresIn,
        plan: values.plan,
      });
      io.out(issuedText(target, servers, issued.apiKey, issued.record, values));
      return;
    }
    case 'list': {
      const keys = await target.service.list(values.server);
      const now = nowSeconds();
      const grants = await liveGrants(target, servers, keys, now);
      io.out(values.json ? listJson(keys, now, grants) : formatList(keys, now, grants));
      return;
    }
    case 'revoke': {
      const { key: revoked, grantsEnded } = await target.service.revoke(keyId!);
      const ended = grantsToTell(grantsEnded, servers, String(revoked.server));
      io.out(
        values.json
          ? safeJson(ended === undefined ? revoked : { ...revoked, grantsRevoked: ended })
          : `Revoked ${printable(String(revoked.keyId))} (server ${printable(String(revoked.server))}). ` +
              'It stops working within the authorizer cache TTL.' +
              grantsText(ended, grantsEnded !== undefined, servers, String(revoked.server)),
      );
      return;
    }
    case 'rotate': {
      const { issued, old, grantsEnded } = await target.service.rotate(keyId!, grace, { expiresInSeconds: expiresIn });
      const ended = grantsToTell(grantsEnded, servers, String(old.server));
      if (!values.json) {
        io.out(
          (grace === 0
            ? `Rotated ${printable(old.keyId)}: revoked now.`
            : `Rotated ${printable(old.keyId)}: it keeps working until ${epochText(old.expiresAt)}.`) +
            grantsText(ended, grantsEnded !== undefined, servers, String(old.server)),
        );
      }
      io.out(issuedText(target, servers, issued.apiKey, issued.record, values, old.keyId, ended));
      return;
    }
    case 'set-plan': {
      const key = await target.service.setPlan(keyId!, values.plan!);
      io.out(
        values.json
          ? safeJson(key)
          : `Moved ${printable(key.keyId)} to plan ${printable(String(key.plan))}.` +
              (aws ? ' API Gateway applies it within a minute or so.' : ''),
      );
      return;
    }
    case 'usage': {
      const usage = await target.service.usage(keyId!, days);
      io.out(values.json ? safeJson(usage) : formatUsage(usage));
      return;
    }
    case 'sync-plans': {
      const report = await target.service.syncPlans();
      if (values.json) {
        io.out(safeJson(report));
        return;
      }
      const lines = [
        `Checked ${report.total} key${report.total === 1 ? '' : 's'}: ${report.backfilled} got a plan or usage identifier they lacked.`,
      ];
      if (aws && report.plansDeployed)
        lines.push(
          `${report.attached} live key${report.attached === 1 ? ' is' : 's are'} on their plan's usage plan; ` +
            `${report.removed} API key${report.removed === 1 ? '' : 's'} of revoked or expired keys deleted.`,
        );
      if (aws && !report.plansDeployed)
        lines.push(
          `${report.attached} live key${report.attached === 1 ? ' has' : 's have'} an API Gateway key; the usage plans are not ` +
            'deployed yet: deploy, then run sync-plans again to attach them.',
        );
      io.out(lines.join('\n'));
      return;
    }
  }
}

function isOAuthServer(servers: readonly ResolvedServer[], name: string): boolean {
  return servers.some((s) => s.name === name && s.authMode === 'oauth');
}

/**
 * The grants a revoke or rotate ended, as worth saying: undefined when there is no grants table
 * here, or none was there for a key of a server without OAuth (nothing to say).
 */
function grantsToTell(
  ended: number | undefined,
  servers: readonly ResolvedServer[],
  server: string,
): number | undefined {
  if (ended === undefined) return undefined;
  return ended > 0 || isOAuthServer(servers, server) ? ended : undefined;
}

/** What revoke and rotate say of an `oauth` server key's grants. */
function grantsText(
  ended: number | undefined,
  reachable: boolean,
  servers: readonly ResolvedServer[],
  server: string,
): string {
  if (ended !== undefined) return ` Ended ${ended} OAuth grant${ended === 1 ? '' : 's'} and their tokens.`;
  if (!reachable && isOAuthServer(servers, server))
    return ' No grants table is configured here (GRANTS_TABLE_NAME), so its OAuth grants were not ended.';
  return '';
}

/** Live grants per key of an `oauth` server (undefined: no grants table here); undefined when no such key is listed. */
async function liveGrants(
  target: Target,
  servers: readonly ResolvedServer[],
  keys: readonly KeySummary[],
  nowSeconds: number,
): Promise<ReadonlyMap<string, number | undefined> | undefined> {
  const oauthKeys = keys.filter((k) => isOAuthServer(servers, String(k.server)) && typeof k.keyId === 'string');
  if (oauthKeys.length === 0) return undefined;
  const tokens = await target.tokens();
  const counts = new Map<string, number | undefined>();
  for (const key of oauthKeys)
    counts.set(key.keyId, tokens ? await tokens.countLiveGrants(key.keyId, Math.floor(nowSeconds)) : undefined);
  return counts;
}

function issuedText(
  target: Target,
  servers: readonly ResolvedServer[],
  apiKey: string,
  record: Parameters<typeof formatIssued>[0]['record'],
  values: OptionValues,
  replaces?: string,
  grantsRevoked?: number,
): string {
  return formatIssued(
    {
      apiKey,
      record,
      server: servers.find((s) => s.name === record.server),
      baseUrl: target.baseUrlOf(String(record.server)),
      where: target.where,
      replaces,
      grantsRevoked,
      client: values.client,
    },
    values.json,
  );
}
