import fc from 'fast-check';

/** One generated MCP request, before it becomes an API Gateway event or an HTTP request. */
export interface McpRequestSpec {
  readonly method: string;
  /** Lowercase header names are not guaranteed: clients send any case. */
  readonly headers: readonly (readonly [string, string])[];
  readonly query: readonly (readonly [string, string])[];
  readonly body: string | Buffer | null;
  readonly bodyKind: string;
}

export const MCP_ACCEPT = 'application/json, text/event-stream';
const MAX_BODY = 1_048_576;

const json = fc.jsonValue({ maxDepth: 3 });
const id = fc.oneof(
  { weight: 4, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, 1.5, -0, 2 ** 53 + 2, {}, [], '') },
);
const knownMethod = fc.constantFrom(
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'logging/setLevel',
  'notifications/initialized',
  'notifications/cancelled',
  'resources/list',
  'resources/read',
  'prompts/get',
  'completion/complete',
  'sampling/createMessage',
  'elicitation/create',
);
const rpcMethod = fc.oneof(
  { weight: 6, arbitrary: knownMethod },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(1, null, ['ping'], { m: 1 }) },
);
const toolName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('echo', 'whoami', 'call_downstream', 'nope', '', 'ECHO', 'echo ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(1, null, ['echo'], {}) },
);
const params = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: json },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        name: toolName,
        arguments: fc.oneof(
          json,
          fc.record({
            text: fc.oneof(
              fc.string({ maxLength: 40 }),
              fc.string({ unit: 'binary', maxLength: 20 }),
              fc.integer(),
              fc.constant(null),
            ),
          }),
          fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 4 }),
        ),
        _meta: json,
      },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        protocolVersion: fc.oneof(
          fc.constantFrom('2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '1999-01-01', ''),
          fc.string({ maxLength: 12 }),
          fc.integer(),
        ),
        capabilities: json,
        clientInfo: fc.oneof(
          fc.record({ name: fc.string({ maxLength: 10 }), version: fc.string({ maxLength: 6 }) }),
          json,
        ),
      },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ level: fc.oneof(fc.constantFrom('debug', 'info', 'emergency', 'loud'), fc.integer()) }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { cursor: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), requestId: id, reason: json },
      { requiredKeys: [] },
    ),
  },
);
const message = fc.record(
  {
    jsonrpc: fc.oneof(
      { weight: 8, arbitrary: fc.constant<unknown>('2.0') },
      { weight: 1, arbitrary: fc.constantFrom<unknown>('1.0', 2, null, '', '2.0 ') },
    ),
    id,
    method: rpcMethod,
    params,
    result: json,
    error: fc.record(
      {
        code: fc.oneof(fc.integer(), fc.string({ maxLength: 6 })),
        message: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
        data: json,
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** A request of a known method with an ordinary id whose params are what gets mangled: it reaches the SDK and the tools. */
const nearValid = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: fc.integer({ min: 0, max: 1000 }),
  method: knownMethod,
  params,
});

/** JSON nested `depth` levels deep at `where` inside an otherwise ordinary message. */
function deep(depth: number, where: string): string {
  const arrays = '['.repeat(depth) + ']'.repeat(depth);
  const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  switch (where) {
    case 'top':
      return arrays;
    case 'params':
      return `{"jsonrpc":"2.0","id":1,"method":"ping","params":${objects}}`;
    case 'id':
      return `{"jsonrpc":"2.0","id":${arrays},"method":"ping"}`;
    case 'arguments':
      return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${objects}}}}`;
    case 'result':
      return `{"jsonrpc":"2.0","id":1,"result":${objects}}`;
    case 'error-data':
      return `{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","data":${arrays}}}`;
    case 'meta':
      return `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${objects}}}`;
    default:
      return `{"jsonrpc":"2.0","method":"notifications/x","params":${objects}}`;
  }
}

const body: fc.Arbitrary<{ body: string | Buffer | null; bodyKind: string }> = fc.oneof(
  { weight: 8, arbitrary: nearValid.map((m) => ({ body: JSON.stringify(m), bodyKind: 'near-valid' })) },
  { weight: 6, arbitrary: message.map((m) => ({ body: JSON.stringify(m), bodyKind: 'message' })) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(message, nearValid), { maxLength: 6 })
      .map((batch) => ({ body: JSON.stringify(batch), bodyKind: 'batch' })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 99, max: 130 }).map((n) => ({
      body: JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }))),
      bodyKind: 'large-batch',
    })),
  },
  { weight: 2, arbitrary: json.map((value) => ({ body: JSON.stringify(value) ?? 'null', bodyKind: 'json-not-rpc' })) },
  { weight: 3, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ body: text, bodyKind: 'text' })) },
  {
    weight: 2,
    arbitrary: fc.tuple(message, fc.nat()).map(([m, cut]) => {
      const text = JSON.stringify(m);
      return { body: text.slice(0, cut % Math.max(1, text.length)), bodyKind: 'truncated' };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '',
        'null',
        '{',
        '[',
        '{"jsonrpc":"2.0"',
        '\ufeff{"jsonrpc":"2.0","id":1,"method":"ping"}',
        'NaN',
        '1e999',
        '{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}',
        '[]',
        '[[]]',
        '{}',
        '"ping"',
      )
      .map((text) => ({ body: text, bodyKind: 'edge' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 200, max: 30_000 }),
        fc.constantFrom('top', 'params', 'id', 'arguments', 'result', 'error-data', 'meta', 'notification'),
      )
      .map(([depth, where]) => ({ body: deep(depth, where), bodyKind: `deep-${where}` })),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((bytes) => ({ body: Buffer.from(bytes), bodyKind: 'binary' })),
  },
  { weight: 1, arbitrary: fc.constant({ body: null, bodyKind: 'none' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(MAX_BODY - 100, MAX_BODY + 1, MAX_BODY * 2).map((size) => ({
      body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"${'x'.repeat(size)}"}}}`,
      bodyKind: size > MAX_BODY ? 'over-limit' : 'near-limit',
    })),
  },
);

/** Header values an HTTP client can send (Latin-1, no control characters). */
const headerText = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const headerName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9-]{1,16}$/),
  fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty'),
);

/** The MCP-relevant headers, mostly right and sometimes wrong. */
const mcpHeaders = fc.record({
  accept: fc.oneof(
    { weight: 12, arbitrary: fc.constant<string | undefined>(MCP_ACCEPT) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        'application/json',
        'text/event-stream',
        '*/*',
        '',
        'application/json;q=0, text/event-stream',
        'TEXT/EVENT-STREAM, APPLICATION/JSON',
      ),
    },
    { weight: 1, arbitrary: headerText },
  ),
  contentType: fc.oneof(
    { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        'application/json; charset=utf-8',
        'text/plain',
        'application/json, text/plain',
        'multipart/form-data; boundary=x',
        '',
      ),
    },
    { weight: 1, arbitrary: headerText },
  ),
  protocolVersion: fc.oneof(
    { weight: 16, arbitrary: fc.constant<string | undefined>(undefined) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<string | undefined>(
        '2025-11-25',
        '2025-06-18',
        '2025-03-26',
        '2024-11-05',
        '',
        'latest',
      ),
    },
    { weight: 1, arbitrary: headerText },
  ),
  origin: fc.oneof(
    { weight: 30, arbitrary: fc.constant<string | undefined>(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>('https://evil.example', 'null', 'http://127.0.0.1') },
    { weight: 1, arbitrary: headerText },
  ),
  extra: fc.array(fc.tuple(headerName, headerText), { maxLength: 3 }),
});

/** Malformed (and now and then well-formed) MCP requests: method, headers, query and body. */
export const mcpRequests: fc.Arbitrary<McpRequestSpec> = fc
  .record({
    method: fc.oneof(
      { weight: 12, arbitrary: fc.constant('POST') },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS') },
    ),
    headers: mcpHeaders,
    query: fc.array(fc.tuple(headerName, headerText), { maxLength: 2 }),
    body,
  })
  .map(({ method, headers, query, body: generated }) => {
    const list: [string, string][] = [];
    if (headers.accept !== undefined) list.push(['Accept', headers.accept]);
    if (headers.contentType !== undefined) list.push(['Content-Type', headers.contentType]);
    if (headers.protocolVersion !== undefined) list.push(['mcp-protocol-version', headers.protocolVersion]);
    if (headers.origin !== undefined) list.push(['Origin', headers.origin]);
    list.push(...headers.extra);
    return { method, headers: list, query, body: generated.body, bodyKind: generated.bodyKind };
  });

const STACK_TRACE = /\n\s+at\s|\bat\s[^\s"]+\s\([^)]*:\d+:\d+\)|node_modules|\/work\/|\.ts:\d+/;

/** True when a response body looks like it carries a stack trace or a source path. */
export function hasStackTrace(body: string): boolean {
  return STACK_TRACE.test(body);
}

/** True for an empty body or one that is JSON. */
export function isJsonOrEmpty(body: string): boolean {
  if (body === '') return true;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
