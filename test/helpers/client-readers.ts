import { parseToml } from './toml';
import type { ClientName } from '../../config/client-configs';
import { shellWords } from './shell-words';

/** What a client takes from its configuration: the URL it connects to and the headers it sends. */
export interface ClientReading {
  readonly url: string;
  readonly headers: Record<string, string>;
}

type Entry = Record<string, unknown>;

function entryOf(root: unknown, section: string, name: string): Entry {
  const servers = (root as Record<string, unknown>)[section];
  if (typeof servers !== 'object' || servers === null) throw new Error(`no "${section}" object`);
  const entry = (servers as Record<string, unknown>)[name];
  if (typeof entry !== 'object' || entry === null) throw new Error(`no "${section}.${name}" entry`);
  return entry as Entry;
}

function stringField(entry: Entry, field: string): string {
  const value = entry[field];
  if (typeof value !== 'string') throw new Error(`"${field}" is not a string`);
  return value;
}

function headersField(entry: Entry, field: string): Record<string, string> {
  const value = entry[field] ?? {};
  if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== 'string'))
    throw new Error(`"${field}" is not a table of strings`);
  return { ...(value as Record<string, string>) };
}

function expectField(entry: Entry, field: string, expected: unknown): void {
  if (entry[field] !== expected)
    throw new Error(`"${field}" is ${JSON.stringify(entry[field])}, not ${String(expected)}`);
}

/**
 * Reads a printed client configuration the way that client does (as its documentation
 * describes it): parses the text in its format (JSON, TOML or a shell command) and returns
 * the URL and headers the client would use for `name`. Throws when the client would not
 * see a Streamable HTTP server there.
 */
export function readClientConfig(client: ClientName, config: unknown, name: string): ClientReading {
  const text = typeof config === 'string' ? config : undefined;
  const json = () => (text === undefined ? config : JSON.parse(text));
  switch (client) {
    case 'generic':
    case 'cursor': {
      const entry = entryOf(json(), 'mcpServers', name);
      return { url: stringField(entry, 'url'), headers: headersField(entry, 'headers') };
    }
    case 'vscode': {
      const entry = entryOf(json(), 'servers', name);
      expectField(entry, 'type', 'http');
      return { url: stringField(entry, 'url'), headers: headersField(entry, 'headers') };
    }
    case 'windsurf': {
      const entry = entryOf(json(), 'mcpServers', name);
      return { url: stringField(entry, 'serverUrl'), headers: headersField(entry, 'headers') };
    }
    case 'gemini': {
      // Gemini CLI takes `url` as SSE; Streamable HTTP is `httpUrl`.
      const entry = entryOf(json(), 'mcpServers', name);
      if ('url' in entry) throw new Error('"url" is SSE in Gemini CLI');
      return { url: stringField(entry, 'httpUrl'), headers: headersField(entry, 'headers') };
    }
    case 'zed': {
      const entry = entryOf(json(), 'context_servers', name);
      return { url: stringField(entry, 'url'), headers: headersField(entry, 'headers') };
    }
    case 'cline': {
      const entry = entryOf(json(), 'mcpServers', name);
      expectField(entry, 'type', 'streamableHttp');
      return { url: stringField(entry, 'url'), headers: headersField(entry, 'headers') };
    }
    case 'codex': {
      if (text === undefined) throw new Error('the Codex configuration is TOML text');
      const entry = entryOf(parseToml(text), 'mcp_servers', name);
      // Codex ignores `headers`; literal headers are `http_headers`.
      if ('headers' in entry) throw new Error('Codex ignores "headers"');
      return { url: stringField(entry, 'url'), headers: headersField(entry, 'http_headers') };
    }
    case 'claude-code': {
      if (text === undefined) throw new Error('the Claude Code configuration is a command');
      const words = shellWords(text);
      const head = ['claude', 'mcp', 'add', '--transport', 'http', name];
      if (JSON.stringify(words.slice(0, head.length)) !== JSON.stringify(head))
        throw new Error(`not "${head.join(' ')}": ${JSON.stringify(words)}`);
      const [url, ...rest] = words.slice(head.length);
      return { url, headers: headerFlags(rest, ': ', {}) };
    }
    case 'claude-desktop': {
      const entry = entryOf(json(), 'mcpServers', name);
      expectField(entry, 'command', 'npx');
      const args = entry.args as string[];
      if (!Array.isArray(args) || args[0] !== 'mcp-remote') throw new Error('not the mcp-remote bridge');
      const env = headersField(entry, 'env');
      return { url: args[1], headers: headerFlags(args.slice(2), ':', env, ['--allow-http']) };
    }
  }
}

/**
 * `--header 'name<sep>value'` pairs, with mcp-remote's `${VAR}` taken from `env` (and an
 * unset variable an error, as it would leave the header empty).
 */
function headerFlags(
  args: string[],
  separator: string,
  env: Record<string, string>,
  allowed: string[] = [],
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if (allowed.includes(args[i])) continue;
    if (args[i] !== '--header' || i + 1 >= args.length) throw new Error(`unexpected argument ${args[i]}`);
    const header = args[++i];
    const at = header.indexOf(separator);
    if (at <= 0) throw new Error(`"${header}" is not name${separator}value`);
    headers[header.slice(0, at)] = header.slice(at + separator.length).replace(/\$\{(\w+)\}/g, (_, name: string) => {
      if (!(name in env)) throw new Error(`\${${name}} is not in env`);
      return env[name];
    });
  }
  return headers;
}
