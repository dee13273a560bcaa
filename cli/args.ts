import { CLIENT_NAMES, isClientName, type ClientName } from '../config/client-configs';
import { printable } from './text';

/** Every option of the key CLI; each command takes some of them. */
const OPTION_TYPES = {
  server: 'string',
  label: 'string',
  'expires-in': 'string',
  grace: 'string',
  json: 'boolean',
  table: 'string',
  stack: 'string',
  url: 'string',
  client: 'string',
  plan: 'string',
  days: 'string',
} as const;

export type OptionName = keyof typeof OPTION_TYPES;
export type CommandName = 'create' | 'list' | 'revoke' | 'rotate' | 'set-plan' | 'usage' | 'sync-plans';

export interface CommandSpec {
  /** What follows `npm run keys --`. */
  readonly synopsis: string;
  readonly summary: string;
  /** The one positional argument the command takes, if any. */
  readonly positional?: 'KEY_ID';
  readonly options: readonly OptionName[];
}

const TARGET = '[--table NAME] [--stack NAME]';
const CLIENT = '[--client NAME]';

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  create: {
    synopsis: `create --server NAME [--plan NAME] [--label TEXT] [--expires-in 30d] [--json] ${TARGET} [--url BASE_URL] ${CLIENT}`,
    summary: 'Create a key on a usage plan (default: default); it is printed once, with a client config.',
    options: ['server', 'plan', 'label', 'expires-in', 'json', 'table', 'stack', 'url', 'client'],
  },
  list: {
    synopsis: `list [--server NAME] [--json] ${TARGET}`,
    summary:
      'List keys (never their secrets) with their plan and status: active, expired or revoked;\n' +
      "for an oauth server's keys, their live OAuth grants.",
    options: ['server', 'json', 'table', 'stack'],
  },
  revoke: {
    synopsis: `revoke KEY_ID [--json] ${TARGET}`,
    summary: 'Revoke a key at once, and end its OAuth grants and tokens.',
    positional: 'KEY_ID',
    options: ['json', 'table', 'stack'],
  },
  rotate: {
    synopsis: `rotate KEY_ID [--grace 1h] [--expires-in 30d] [--json] ${TARGET} [--url BASE_URL] ${CLIENT}`,
    summary:
      'Create a replacement for the same server and label; the old key stops after the grace period\n' +
      '(default: at once); its OAuth grants end at once. The new key expires as the old one would,\n' +
      'unless --expires-in says otherwise.',
    positional: 'KEY_ID',
    options: ['grace', 'expires-in', 'json', 'table', 'stack', 'url', 'client'],
  },
  'set-plan': {
    synopsis: `set-plan KEY_ID --plan NAME [--json] ${TARGET}`,
    summary: "Move a key to another usage plan (on AWS: its API Gateway key to that plan's usage plan).",
    positional: 'KEY_ID',
    options: ['plan', 'json', 'table', 'stack'],
  },
  usage: {
    synopsis: `usage KEY_ID [--days N] [--json] ${TARGET}`,
    summary:
      "A key's requests per UTC day and what was left of its quota, today last (default: 7 days;\n" +
      "AWS: API Gateway's usage; locally: the local stack's counters).",
    positional: 'KEY_ID',
    options: ['days', 'json', 'table', 'stack'],
  },
  'sync-plans': {
    synopsis: `sync-plans [--json] ${TARGET}`,
    summary:
      'Bring every key up to date with the plans, idempotently: keys made before plans get the\n' +
      'default plan and a usage identifier; on AWS each live key gets its API Gateway key on its\n' +
      "plan's usage plan, and revoked or expired keys lose theirs. Run it before deploying plans.",
    options: ['json', 'table', 'stack'],
  },
};

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** The command line is malformed; `command` names the command whose usage to show. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionValues {
  readonly server?: string;
  readonly label?: string;
  readonly 'expires-in'?: string;
  readonly grace?: string;
  readonly json: boolean;
  readonly table?: string;
  readonly stack?: string;
  readonly url?: string;
  /** One of CLIENT_NAMES, checked here. */
  readonly client?: ClientName;
  readonly plan?: string;
  readonly days?: string;
}

export type ParsedCommandLine =
  | { readonly help: true }
  | { readonly help: false; readonly command: CommandName; readonly keyId?: string; readonly values: OptionValues };

/**
 * Parses the command line strictly: an option the command does not take, an option given
 * twice, a missing or extra argument are all `UsageError`s. `--help`/`-h` anywhere wins.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const positionals: string[] = [];
  const given: { name: OptionName; value: string | true }[] = [];
  let problem: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : '';
    if (!Object.hasOwn(OPTION_TYPES, name)) {
      problem ??= `Unknown option ${printable(eq === -1 ? arg : arg.slice(0, eq))}`;
      continue;
    }
    const option = name as OptionName;
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    if (OPTION_TYPES[option] === 'boolean') {
      if (inline !== undefined) problem ??= `--${option} takes no value`;
      given.push({ name: option, value: true });
      continue;
    }
    let value = inline;
    // A following option is not a value: `--label --json` is a mistake, `--label=--json` is not.
    if (value === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    if (value === undefined) problem ??= `--${option} needs a value`;
    else given.push({ name: option, value });
  }
  if (help || positionals[0] === 'help') return { help: true };

  const [first, ...rest] = positionals;
  if (first === undefined) throw new UsageError(problem ?? 'missing command');
  if (!COMMAND_NAMES.includes(first as CommandName))
    throw new UsageError(`unknown command "${printable(first)}"; commands: ${COMMAND_NAMES.join(', ')}`);
  const command = first as CommandName;
  const spec = COMMANDS[command];
  if (problem) throw new UsageError(problem, command);

  const values: Record<string, string | boolean> = { json: false };
  const seen = new Set<OptionName>();
  for (const { name, value } of given) {
    if (!spec.options.includes(name)) throw new UsageError(`${command} does not take --${name}`, command);
    if (seen.has(name)) throw new UsageError(`--${name} is given more than once`, command);
    seen.add(name);
    values[name] = value;
  }

  if (spec.positional) {
    if (rest.length !== 1)
      throw new UsageError(
        `${command} takes one ${spec.positional}, got ${rest.length}; usage: ${command} ${spec.positional}`,
        command,
      );
  } else if (rest.length > 0) {
    throw new UsageError(`${command} takes no arguments, got "${printable(rest.join(' '))}"`, command);
  }
  if (command === 'create' && values.server === undefined) throw new UsageError('create needs --server NAME', command);
  if (command === 'set-plan' && values.plan === undefined) throw new UsageError('set-plan needs --plan NAME', command);
  if (typeof values.client === 'string' && !isClientName(values.client))
    throw new UsageError(`unknown client "${printable(values.client)}"; clients: ${CLIENT_NAMES.join(', ')}`, command);
  return {
    help: false,
    command,
    keyId: spec.positional ? rest[0] : undefined,
    values: values as unknown as OptionValues,
  };
}

/** One command's usage, shown after an error about its command line. */
export function commandUsage(command: CommandName): string {
  const spec = COMMANDS[command];
  return [
    `Usage: npm run keys -- ${spec.synopsis}`,
    ...spec.summary.split('\n').map((line) => `  ${line}`),
    'Where keys live and what every option means: npm run keys -- --help',
  ].join('\n');
}
