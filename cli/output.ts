import { routePlaceholders, routeUrl } from '../config/client-config';
import {
  CLIENTS,
  DEFAULT_CLIENT,
  renderClientConfig,
  type ClientConfig,
  type ClientName,
} from '../config/client-configs';
import type { ResolvedServer } from '../config/types';
import { isExpired } from '../lambdas/keys/key-format';
import type { KeyUsage } from '../lambdas/keys/key-service';
import type { KeySummary } from '../lambdas/keys/key-store';
import { printable, safeJson } from './text';

/**
 * A key's status as the authorizer sees it: `expired` when active but past its expiry (the
 * authorizer's own test, so odd stored values read as it reads them), `revoked`, or whatever
 * else the record says (the authorizer denies anything but `active`).
 */
export function keyStatus(key: KeySummary, nowSeconds: number): string {
  const status: unknown = key.status;
  if (status === 'active') return isExpired(key, nowSeconds) ? 'expired' : 'active';
  if (typeof status === 'string') return status;
  return status === undefined ? 'unknown' : text(status);
}

/** Any stored value as one printable table cell. */
function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return printable(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const json = printable(JSON.stringify(value) ?? String(value));
  return json.length > 60 ? `${json.slice(0, 59)}…` : json;
}

/** Epoch seconds as ISO-8601 when they name a representable time; otherwise the value as stored. */
export function epochText(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value * 1000);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return text(value);
}

/**
 * Live OAuth grants per key id, for the keys of `oauth` servers only; a value is undefined
 * when no grants table is reachable. The table and JSON show it only when given.
 */
export type GrantCounts = ReadonlyMap<string, number | undefined>;

function grantsCell(grants: GrantCounts, key: KeySummary): string {
  if (typeof key.keyId !== 'string' || !grants.has(key.keyId)) return '';
  return String(grants.get(key.keyId) ?? '-');
}

/** `list` as a table: every record shows what it can, whatever was stored. A GRANTS column when `grants` is given. */
export function formatList(keys: readonly KeySummary[], nowSeconds: number, grants?: GrantCounts): string {
  if (keys.length === 0) return 'No keys.';
  const rows = keys.map((k) => [
    text(k.keyId),
    text(k.server),
    keyStatus(k, nowSeconds),
    ...(grants ? [grantsCell(grants, k)] : []),
    text(k.hint),
    text(k.label),
    text(k.createdAt),
    epochText(k.expiresAt),
    text(k.lastUsedAt),
    text(k.plan) + (k.needsSync ? ' (run sync-plans)' : ''),
  ]);
  const header = [
    'KEY ID',
    'SERVER',
    'STATUS',
    ...(grants ? ['GRANTS'] : []),
    'HINT',
    'LABEL',
    'CREATED',
    'EXPIRES',
    'LAST USED',
    'PLAN',
  ];
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

/** `list --json`: the records with the same status the table shows, and `grants` (a number) for `oauth` servers' keys. */
export function listJson(keys: readonly KeySummary[], nowSeconds: number, grants?: GrantCounts): string {
  return safeJson(
    {
      keys: keys.map((k) => {
        const count = typeof k.keyId === 'string' ? grants?.get(k.keyId) : undefined;
        return { ...k, status: keyStatus(k, nowSeconds), ...(count === undefined ? {} : { grants: count }) };
      }),
    },
    2,
  );
}

/** `usage` as a table: one line per UTC day, today last. */
export function formatUsage(usage: KeyUsage): string {
  const rows = usage.days.map((day) => [
    day.date,
    String(day.used),
    day.remaining === null ? '-' : String(day.remaining),
  ]);
  const header = ['DATE', 'USED', 'REMAINING'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const table = [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  return [`Key ${printable(usage.keyId)}, plan ${printable(usage.plan)}:`, ...table].join('\n');
}

/** The URLs a server answers on: one per route, `{param}` templates kept for the client to fill in. */
export function serverUrls(
  serverName: string,
  server: ResolvedServer | undefined,
  baseUrl: string | undefined,
): { urls: string[]; placeholders: string[] } {
  const routes = server?.routes ?? [`/${serverName}/mcp`];
  const urls = routes.map((route) => routeUrl(baseUrl ?? 'https://<your-api>', route));
  return { urls, placeholders: [...new Set(routes.flatMap(routePlaceholders))] };
}

export interface IssuedView {
  readonly apiKey: string;
  readonly record: KeySummary;
  readonly server: ResolvedServer | undefined;
  readonly baseUrl?: string;
  readonly where: string;
  readonly replaces?: string;
  /** Rotate: how many OAuth grants of the old key were ended (JSON only; the text says it before). */
  readonly grantsRevoked?: number;
  /** The client whose configuration to print; `generic` when not given. */
  readonly client?: ClientName;
}

/**
 * The client configuration as printed: JSON for the JSON clients, the text itself (TOML,
 * a shell command) otherwise, escaped so it cannot act on the terminal.
 */
function configText(config: ClientConfig): string {
  // Line by line: the text's own line breaks stay, anything else a terminal acts on is escaped.
  return config.format === 'json' ? safeJson(config.value, 2) : config.value.split('\n').map(printable).join('\n');
}

/** The line(s) before the configuration: what to do with it, and the client's documentation. */
function configHeading(client: ClientName): string[] {
  if (client === DEFAULT_CLIENT) return ['Client configuration:'];
  const { title, where, docs } = CLIENTS[client];
  return [`Client configuration for ${title}: ${where}.`, ...(docs ? [`Docs: ${docs}`] : [])];
}

/** A new key: the only time it is shown, with the server's URL(s) and a client config. */
export function formatIssued(view: IssuedView, json: boolean): string {
  const { apiKey, record, server } = view;
  const { urls, placeholders } = serverUrls(record.server, server, view.baseUrl);
  const client = view.client ?? DEFAULT_CLIENT;
  const config = renderClientConfig(client, {
    serverName: record.server,
    authMode: server?.authMode ?? 'apiKey',
    url: urls[0],
    apiKey,
  });
  if (json) {
    return safeJson({
      keyId: record.keyId,
      apiKey,
      server: record.server,
      label: record.label,
      hint: record.hint,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      replaces: view.replaces,
      grantsRevoked: view.grantsRevoked,
      url: urls[0],
      urls,
      client: view.client,
      clientConfig: config.value,
    });
  }
  const fill = placeholders.map((p) => `{${p}}`).join(', ');
  return [
    `Created key ${printable(record.keyId)} for server ${printable(record.server)} in ${printable(view.where)}` +
      (record.expiresAt !== undefined ? `, expires ${epochText(record.expiresAt)}` : '') +
      '.',
    'This is the only time the key is shown; only its SHA-256 digest is stored.',
    '',
    `  ${apiKey}`,
    '',
    ...(urls.length > 1 || placeholders.length > 0
      ? [
          urls.length > 1
            ? 'The server answers on (the client configuration uses the first):'
            : 'The server answers on:',
          ...urls.map((u) => `  ${printable(u)}`),
          ...(placeholders.length > 0
            ? [
                `The client fills in ${fill} in the URL: the route takes ${placeholders.length > 1 ? 'them' : 'it'} from the path.`,
              ]
            : []),
          '',
        ]
      : []),
    ...(server?.authMode === 'oauth' ? oauthNotes(client) : configHeading(client)),
    configText(config),
  ].join('\n');
}

/**
 * An `oauth` server's key: clients that do OAuth need only the URL (the key is entered on the
 * consent page); the configuration is for clients that send headers instead.
 */
function oauthNotes(client: ClientName): string[] {
  const oauthClients =
    'claude.ai and Claude Desktop (Settings > Connectors > Add custom connector), ChatGPT (connectors), ' +
    'and every client that does MCP OAuth';
  const lines = [
    `OAuth: ${oauthClients} connect with the URL alone; when the consent page opens, enter this key there.`,
  ];
  if (client === 'claude-desktop') {
    lines.push(
      'The mcp-remote bridge also does OAuth: without the --header argument and env below it opens the consent page ' +
        'in a browser. With them it sends the key as Authorization: Bearer <key>.',
    );
  } else {
    lines.push('Clients that send headers can instead send the key as Authorization: Bearer <key>.');
  }
  return [...lines, '', ...configHeading(client)];
}
