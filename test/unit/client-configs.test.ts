import fc from 'fast-check';
import { clientConfig } from '../../config/client-config';
import {
  CLIENT_NAMES,
  CLIENTS,
  isClientName,
  renderClientConfig,
  shellQuote,
  tomlKey,
  tomlString,
  type ClientName,
} from '../../config/client-configs';
import type { AuthMode } from '../../config/types';
import { readClientConfig } from '../helpers/client-readers';
import { shellWords } from '../helpers/shell-words';
import { parseToml } from '../helpers/toml';

const KEY = 'mcpg_AbCdEfGhIjKlMnOpQrStUvWxYz012-_9';
const URL_ = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/demo/mcp';
const EXPECTED_HEADERS: Record<AuthMode, Record<string, string>> = {
  none: {},
  apiKey: { 'x-api-key': KEY },
  bearerPassthrough: { 'x-api-key': KEY, Authorization: 'Bearer <your token>' },
  oauth: { Authorization: `Bearer ${KEY}` },
};

/** The configuration as it is printed: JSON text, or the TOML / command text itself. */
function printed(client: ClientName, input: Parameters<typeof renderClientConfig>[1]): string {
  const config = renderClientConfig(client, input);
  return config.format === 'json' ? JSON.stringify(config.value, null, 2) : config.value;
}

describe('client configurations', () => {
  describe.each(CLIENT_NAMES.map((c) => [c]))('%s', (client) => {
    it.each(['none', 'apiKey', 'bearerPassthrough', 'oauth'] as const)(
      'parses in its format and carries the URL and the %s headers where the client reads them',
      (authMode) => {
        // Arrange
        const input = { serverName: 'demo-apikey', authMode, url: URL_, apiKey: KEY };
        // Act
        const reading = readClientConfig(client, printed(client, input), 'demo-apikey');
        // Assess
        expect(reading).toEqual({ url: URL_, headers: EXPECTED_HEADERS[authMode] });
      },
    );

    it('has a description of where it goes', () => {
      expect(CLIENTS[client].where).not.toBe('');
      if (client !== 'generic') expect(CLIENTS[client].docs).toMatch(/^https:\/\//);
    });
  });

  it('generic is the configuration the CLI printed before clients had names', () => {
    const config = renderClientConfig('generic', {
      serverName: 'demo',
      authMode: 'bearerPassthrough',
      url: URL_,
      apiKey: KEY,
    });
    expect(config).toEqual({
      client: 'generic',
      format: 'json',
      value: clientConfig('demo', 'bearerPassthrough', URL_, KEY),
    });
  });

  it.each([
    ['cursor', { mcpServers: { demo: { url: URL_, headers: { 'x-api-key': KEY } } } }],
    ['vscode', { servers: { demo: { type: 'http', url: URL_, headers: { 'x-api-key': KEY } } } }],
    ['windsurf', { mcpServers: { demo: { serverUrl: URL_, headers: { 'x-api-key': KEY } } } }],
    ['gemini', { mcpServers: { demo: { httpUrl: URL_, headers: { 'x-api-key': KEY } } } }],
    ['zed', { context_servers: { demo: { url: URL_, headers: { 'x-api-key': KEY } } } }],
    ['cline', { mcpServers: { demo: { type: 'streamableHttp', url: URL_, headers: { 'x-api-key': KEY } } } }],
    [
      'claude-desktop',
      {
        mcpServers: {
          demo: {
            command: 'npx',
            args: ['mcp-remote', URL_, '--header', 'x-api-key:${MCP_GATE_KEY}'],
            env: { MCP_GATE_KEY: KEY },
          },
        },
      },
    ],
  ] as const)('%s: exactly the documented shape, nothing else', (client, expected) => {
    expect(renderClientConfig(client, { serverName: 'demo', authMode: 'apiKey', url: URL_, apiKey: KEY })).toEqual({
      client,
      format: 'json',
      value: expected,
    });
  });

  it('codex: a [mcp_servers.NAME] table with url and http_headers', () => {
    const config = renderClientConfig('codex', {
      serverName: 'demo',
      authMode: 'bearerPassthrough',
      url: URL_,
      apiKey: KEY,
    });
    expect(config.format).toBe('toml');
    expect(config.value).toBe(
      '[mcp_servers.demo]\n' +
        `url = "${URL_}"\n` +
        `http_headers = { "x-api-key" = "${KEY}", "Authorization" = "Bearer <your token>" }`,
    );
    expect(parseToml(config.value as string)).toEqual({
      mcp_servers: { demo: { url: URL_, http_headers: { 'x-api-key': KEY, Authorization: 'Bearer <your token>' } } },
    });
  });

  it('claude-code: the claude mcp add command, headers after the URL, values single-quoted', () => {
    const config = renderClientConfig('claude-code', {
      serverName: 'demo',
      authMode: 'bearerPassthrough',
      url: URL_,
      apiKey: KEY,
    });
    expect(config).toEqual({
      client: 'claude-code',
      format: 'command',
      value:
        `claude mcp add --transport http demo '${URL_}' ` +
        `--header 'x-api-key: ${KEY}' --header 'Authorization: Bearer <your token>'`,
    });
  });

  it('claude-desktop: the key is in env only, never in the command line', () => {
    const config = renderClientConfig('claude-desktop', {
      serverName: 'demo',
      authMode: 'bearerPassthrough',
      url: URL_,
      apiKey: KEY,
    });
    const entry = (config.value as { mcpServers: { demo: { args: string[]; env: Record<string, string> } } }).mcpServers
      .demo;
    expect(entry.args.join(' ')).not.toContain(KEY);
    // Spaces stay out of args: some clients pass them to npx unquoted.
    expect(entry.args.filter((a) => a.includes(' '))).toEqual([]);
    expect(entry.env).toEqual({ MCP_GATE_KEY: KEY, MCP_GATE_AUTHORIZATION: 'Bearer <your token>' });
  });

  it.each([
    ['http://127.0.0.1:3000/demo/mcp', false],
    ['http://localhost:3000/demo/mcp', false],
    ['http://LOCALHOST/demo/mcp', false],
    ['https://api.example.com/demo/mcp', false],
    ['http://10.0.0.5:3000/demo/mcp', true],
    ['http://localhost.example.com/demo/mcp', true],
    ['http://127.0.0.1.example.com/demo/mcp', true],
  ])('claude-desktop: %s needs --allow-http: %s', (url, allowHttp) => {
    const config = renderClientConfig('claude-desktop', { serverName: 'demo', authMode: 'none', url, apiKey: KEY });
    const args = (config.value as { mcpServers: { demo: { args: string[] } } }).mcpServers.demo.args;
    expect(args.includes('--allow-http')).toBe(allowHttp);
    expect(readClientConfig('claude-desktop', config.value, 'demo')).toEqual({ url, headers: {} });
  });

  describe('values any text can hold survive their format', () => {
    const hostile = [
      "https://h/it's/mcp",
      'https://h/"quoted"/mcp',
      'https://h/back\\slash/mcp',
      'https://h/$(rm -rf ~)/`id`/mcp;&|<>',
      'https://<your-api>/tenants/{tenant}/mcp',
      'https://h/tab\there/new\nline/\u001b[31m/\u202e/mcp',
      'https://h/ünïcödé/😀/mcp',
    ];

    it.each(CLIENT_NAMES.flatMap((client) => hostile.map((url) => [client, url] as const)))(
      '%s with URL %j',
      (client, url) => {
        const text = printed(client, { serverName: 'demo', authMode: 'apiKey', url, apiKey: KEY });
        expect(readClientConfig(client, text, 'demo')).toEqual({ url, headers: { 'x-api-key': KEY } });
      },
    );

    it('a TOML string decodes to the text, and holds no raw control character', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (value) => {
          const toml = `k = ${tomlString(value)}\n${tomlKey(value)} = 1`;
          // The one raw control character is the line break between the two lines.
          expect(toml).not.toMatch(/(?!\n)\p{Cc}|[\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u);
          const parsed = parseToml(toml);
          expect(parsed.k).toBe(value);
          expect(parsed[value]).toBe(1);
        }),
      );
    });

    it('a single-quoted shell word is one word with the text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (value) => {
          expect(shellWords(`cmd ${shellQuote(value)} end`)).toEqual(['cmd', value, 'end']);
        }),
      );
    });
  });

  it('knows its clients by name, and nothing else', () => {
    expect(CLIENT_NAMES.filter(isClientName)).toEqual([...CLIENT_NAMES]);
    for (const name of ['', 'Cursor', 'vs-code', 'claude', 'toString', '__proto__', 'generic ']) {
      expect(isClientName(name)).toBe(false);
    }
  });
});
