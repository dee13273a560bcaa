import { clientConfig, clientHeaders } from './client-config';
import type { AuthMode } from './types';

/**
 * Ready-to-paste configurations for the common MCP clients, each in the format its own
 * documentation gives for a remote (Streamable HTTP) server with headers. Data and pure
 * functions only. docs/clients.md has a section per client, with the same links.
 */

/** The clients `npm run keys -- create --client NAME` knows, `generic` (the default) first. */
export const CLIENT_NAMES = [
  'generic',
  'claude-code',
  'cursor',
  'vscode',
  'windsurf',
  'gemini',
  'codex',
  'zed',
  'cline',
  'claude-desktop',
] as const;

export type ClientName = (typeof CLIENT_NAMES)[number];

export const DEFAULT_CLIENT: ClientName = 'generic';

export function isClientName(name: string): name is ClientName {
  return (CLIENT_NAMES as readonly string[]).includes(name);
}

export interface ClientConfigInput {
  readonly serverName: string;
  readonly authMode: AuthMode;
  /** The URL the client connects to (a `{param}` route stays a template). */
  readonly url: string;
  readonly apiKey: string;
}

/**
 * One client's configuration: `json` is an object to write as JSON; `toml` (Codex) and
 * `command` (a Claude Code shell command) are the text itself.
 */
export type ClientConfig =
  | { readonly client: ClientName; readonly format: 'json'; readonly value: Record<string, unknown> }
  | { readonly client: ClientName; readonly format: 'toml' | 'command'; readonly value: string };

export interface ClientInfo {
  /** The client's name as people know it. */
  readonly title: string;
  /** What to do with the printed configuration: where it goes. */
  readonly where: string;
  /** The client's own documentation of this format (none for `generic`). */
  readonly docs?: string;
}

export const CLIENTS: Readonly<Record<ClientName, ClientInfo>> = {
  generic: {
    title: 'Generic',
    where: 'an `mcpServers` entry with `url` and `headers`, as many clients read it',
  },
  'claude-code': {
    title: 'Claude Code',
    where: 'run this command (`--scope user` after `mcp add` makes it available in every project)',
    docs: 'https://code.claude.com/docs/en/mcp',
  },
  cursor: {
    title: 'Cursor',
    where: 'merge into ~/.cursor/mcp.json (every project) or .cursor/mcp.json (one project)',
    docs: 'https://cursor.com/docs/mcp',
  },
  vscode: {
    title: 'VS Code',
    where: 'merge into .vscode/mcp.json (workspace) or the user mcp.json (MCP: Open User Configuration)',
    docs: 'https://code.visualstudio.com/docs/copilot/reference/mcp-configuration',
  },
  windsurf: {
    title: 'Windsurf',
    where: 'merge into ~/.codeium/windsurf/mcp_config.json, then refresh the MCP servers',
    docs: 'https://docs.windsurf.com/windsurf/cascade/mcp',
  },
  gemini: {
    title: 'Gemini CLI',
    where: 'merge into ~/.gemini/settings.json (user) or .gemini/settings.json (project)',
    docs: 'https://geminicli.com/docs/tools/mcp-server/',
  },
  codex: {
    title: 'Codex',
    where: 'add to ~/.codex/config.toml (or .codex/config.toml in a trusted project)',
    docs: 'https://developers.openai.com/codex/mcp',
  },
  zed: {
    title: 'Zed',
    where: "merge into Zed's settings.json (command palette: zed: open settings file)",
    docs: 'https://zed.dev/docs/ai/mcp',
  },
  cline: {
    title: 'Cline',
    where: 'merge into cline_mcp_settings.json (MCP Servers > Configure > Configure MCP Servers)',
    docs: 'https://docs.cline.bot/mcp/connecting-to-a-remote-server',
  },
  'claude-desktop': {
    title: 'Claude Desktop',
    where:
      'merge into claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/, ' +
      'Windows: %APPDATA%\\Claude\\), then restart Claude Desktop; npx needs Node.js 18 or later',
    docs: 'https://github.com/geelen/mcp-remote#custom-headers',
  },
};

/**
 * The environment variables the mcp-remote bridge reads header values from: a value in `env`
 * keeps spaces out of `args`, which some clients pass to npx unquoted (mcp-remote's README).
 */
const BRIDGE_ENV: Readonly<Record<string, string>> = {
  'x-api-key': 'MCP_GATE_KEY',
  Authorization: 'MCP_GATE_AUTHORIZATION',
};

/** `{ ...entry, headers }`, or the entry alone when the auth mode sends no header. */
function withHeaders(entry: Record<string, unknown>, headers: Record<string, string>): Record<string, unknown> {
  return Object.keys(headers).length === 0 ? entry : { ...entry, headers };
}

/** Builds the configuration `client` documents for one server, its URL and its key. */
export function renderClientConfig(client: ClientName, input: ClientConfigInput): ClientConfig {
  const { serverName: name, authMode, url, apiKey } = input;
  const headers = clientHeaders(authMode, apiKey);
  const json = (value: Record<string, unknown>): ClientConfig => ({ client, format: 'json', value });
  switch (client) {
    case 'generic':
      return json(clientConfig(name, authMode, url, apiKey));
    case 'claude-code':
      return { client, format: 'command', value: claudeCodeCommand(name, url, headers) };
    case 'cursor':
      return json({ mcpServers: { [name]: withHeaders({ url }, headers) } });
    case 'vscode':
      return json({ servers: { [name]: withHeaders({ type: 'http', url }, headers) } });
    case 'windsurf':
      return json({ mcpServers: { [name]: withHeaders({ serverUrl: url }, headers) } });
    case 'gemini':
      return json({ mcpServers: { [name]: withHeaders({ httpUrl: url }, headers) } });
    case 'codex':
      return { client, format: 'toml', value: codexToml(name, url, headers) };
    case 'zed':
      return json({ context_servers: { [name]: withHeaders({ url }, headers) } });
    case 'cline':
      // Without a type, Cline reads a `url` entry as the legacy SSE transport.
      return json({ mcpServers: { [name]: withHeaders({ type: 'streamableHttp', url }, headers) } });
    case 'claude-desktop':
      return json({ mcpServers: { [name]: mcpRemoteBridge(url, headers) } });
  }
}

/** `claude mcp add --transport http NAME URL --header 'name: value'…`, every value single-quoted. */
function claudeCodeCommand(name: string, url: string, headers: Record<string, string>): string {
  // The headers follow the URL: Claude Code's --header takes several values, so one before the
  // name would swallow the name and the URL.
  return [
    'claude mcp add --transport http',
    shellWord(name),
    shellQuote(url),
    ...Object.entries(headers).map(([header, value]) => `--header ${shellQuote(`${header}: ${value}`)}`),
  ].join(' ');
}

/** Claude Desktop reads no remote servers from its file: the mcp-remote bridge runs as a local one. */
function mcpRemoteBridge(url: string, headers: Record<string, string>): Record<string, unknown> {
  const args = ['mcp-remote', url];
  const env: Record<string, string> = {};
  for (const [header, value] of Object.entries(headers)) {
    const variable = BRIDGE_ENV[header];
    args.push('--header', `${header}:\${${variable}}`);
    env[variable] = value;
  }
  // mcp-remote refuses plain http except to localhost unless told otherwise.
  if (/^http:\/\/(?!(?:localhost|127\.0\.0\.1)(?:[:/?#]|$))/i.test(url)) args.push('--allow-http');
  return Object.keys(env).length === 0 ? { command: 'npx', args } : { command: 'npx', args, env };
}

/** The `[mcp_servers.NAME]` table of ~/.codex/config.toml. */
function codexToml(name: string, url: string, headers: Record<string, string>): string {
  const lines = [`[mcp_servers.${tomlKey(name)}]`, `url = ${tomlString(url)}`];
  const entries = Object.entries(headers);
  if (entries.length > 0)
    lines.push(`http_headers = { ${entries.map(([k, v]) => `${tomlString(k)} = ${tomlString(v)}`).join(', ')} }`);
  return lines.join('\n');
}

// Control characters, line separators and bidirectional controls: escaped, so the text is
// also safe to print on a terminal as it is.
const TOML_ESCAPED = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"\\]/gu;

/** A TOML basic string. */
export function tomlString(text: string): string {
  return `"${text.replace(TOML_ESCAPED, (char) =>
    char === '"' || char === '\\' ? `\\${char}` : `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  )}"`;
}

/** A TOML key: bare when it may be, quoted otherwise. */
export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

/** One POSIX shell word in single quotes; a quote inside becomes `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A shell word left bare when nothing in it means anything to the shell. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : shellQuote(text);
}
