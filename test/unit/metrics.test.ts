import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { servers } from '../../config/servers';
import { resolveServers } from '../../config/validate';
import { AuthorizerCore } from '../../lambdas/authorizer/authorizer';
import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { digestApiKey } from '../../lambdas/keys/key-format';
import { KeyService } from '../../lambdas/keys/key-service';
import { MemoryKeyStore } from '../../lambdas/keys/memory-key-store';
import { createMcpCore } from '../../lambdas/mcp/core';
import { runRecorded } from '../../lambdas/mcp/tool-calls';
import type { ToolContext, ToolDefinition } from '../../lambdas/mcp/tools/types';
import { textResult } from '../../lambdas/mcp/tools/types';
import { beginInvocation, isColdStart, xrayTraceId } from '../../lambdas/shared/invocation';
import { observeLines } from '../../lambdas/shared/log-output';
import { createLogger, levelFromEnv } from '../../lambdas/shared/logger';
import {
  METRIC_RECORDS,
  METRICS_NAMESPACE,
  emitMetrics,
  metricRecord,
  statusClassOf,
  type MetricRecordName,
} from '../../lambdas/shared/metrics';
import { authorizerEvent, JSON_HEADERS, rpc } from '../helpers/events';
import { z } from 'zod';

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [field: string]: unknown;
}

/** Every line written while `act` runs, parsed: EMF records and log lines (audit lines included). */
async function linesOf(act: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const stop = observeLines((line) => lines.push(line));
  try {
    await act();
  } finally {
    stop();
  }
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function emfOf(lines: Record<string, unknown>[], metricName: string): Emf[] {
  return (lines.filter((line) => '_aws' in line) as Emf[]).filter((emf) =>
    emf._aws.CloudWatchMetrics[0].Metrics.some((m) => m.Name === metricName),
  );
}

/** The dimension values of an EMF record, by name, over all its dimension sets. */
function dimensionsOf(emf: Emf): Record<string, unknown> {
  const names = new Set(emf._aws.CloudWatchMetrics[0].Dimensions.flat());
  return Object.fromEntries([...names].map((name) => [name, emf[name]]));
}

/** The record is valid EMF for the record spec: namespace, dimension sets, metric names and units, numeric values. */
function expectWellFormed(emf: Emf, record: MetricRecordName): void {
  const spec = METRIC_RECORDS[record];
  const [directive] = emf._aws.CloudWatchMetrics;
  expect(emf._aws.CloudWatchMetrics).toHaveLength(1);
  expect(typeof emf._aws.Timestamp).toBe('number');
  expect(directive.Namespace).toBe(METRICS_NAMESPACE);
  expect(directive.Dimensions).toEqual(spec.dimensionSets);
  expect(directive.Metrics).toEqual(Object.entries(spec.metrics).map(([Name, Unit]) => ({ Name, Unit })));
  for (const name of directive.Dimensions.flat()) expect(typeof emf[name]).toBe('string');
  for (const { Name } of directive.Metrics) expect(typeof emf[Name]).toBe('number');
}

describe('metric records', () => {
  it.each(Object.keys(METRIC_RECORDS) as MetricRecordName[])('%s is valid EMF', (record) => {
    const dimensions = Object.fromEntries(
      METRIC_RECORDS[record].dimensionSets.flat().map((name) => [name, `${name.toLowerCase()}-value`]),
    );
    const values = Object.fromEntries(Object.keys(METRIC_RECORDS[record].metrics).map((name) => [name, 3]));
    const emf = JSON.parse(metricRecord(record, dimensions as never, values as never, { requestId: 'r-1' })) as Emf;
    expectWellFormed(emf, record);
    expect(emf.requestId).toBe('r-1');
  });

  it('never lets a property replace a dimension or the metadata', () => {
    const emf = JSON.parse(
      metricRecord('coldStart', { Service: 'mcp' }, { ColdStarts: 1 }, { Service: 'forged', _aws: 'x' } as never),
    ) as Emf;
    expect(emf.Service).toBe('mcp');
    expectWellFormed(emf, 'coldStart');
  });

  it('writes each record as one line the moment it is emitted, with no warning line (nothing is buffered)', () => {
    const lines: string[] = [];
    const stop = observeLines((line) => lines.push(line));
    try {
      emitMetrics('coldStart', { Service: 'probe' }, { ColdStarts: 1 });
      expect(lines).toHaveLength(1);
      emitMetrics(
        'authorization',
        { Server: 'demo-apikey', Outcome: 'allow', Reason: 'valid-key' },
        { AuthorizationDecisions: 1 },
        { requestId: 'r-2' },
      );
    } finally {
      stop();
    }
    const [coldStart, decision] = lines.map((line) => JSON.parse(line) as Emf);
    expect(lines).toHaveLength(2);
    expectWellFormed(coldStart, 'coldStart');
    expect(dimensionsOf(coldStart)).toEqual({ Service: 'probe' });
    expect(coldStart.requestId).toBeUndefined();
    expectWellFormed(decision, 'authorization');
    expect(decision.requestId).toBe('r-2');
  });

  it('names an empty dimension value none, as CloudWatch refuses empty values', () => {
    const emf = JSON.parse(
      metricRecord('toolCall', { Server: '', Tool: 'echo', Outcome: 'success' }, { ToolCalls: 1, ToolCallDuration: 2 }),
    ) as Emf;
    expect(dimensionsOf(emf)).toEqual({ Server: 'none', Tool: 'echo', Outcome: 'success' });
  });

  it('drops a record it cannot build with a warning line, and never throws into the request', () => {
    const lines: string[] = [];
    const stop = observeLines((line) => lines.push(line));
    try {
      expect(() =>
        emitMetrics('toolCall', { Server: 's', Tool: 't', Outcome: 'success' }, {
          ToolCalls: 1,
          ToolCallDuration: 'slow',
        } as never),
      ).not.toThrow();
    } finally {
      stop();
    }
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'warn', message: 'metric record dropped', record: 'toolCall' }),
    ]);
  });

  it('declares no dimension that could hold a credential or a key id', () => {
    const names = Object.values(METRIC_RECORDS).flatMap((r) => r.dimensionSets.flat());
    for (const name of names) expect(name).not.toMatch(/key|digest|token|authorization|secret/i);
  });

  it.each([
    [200, '2xx'],
    [204, '2xx'],
    [302, '3xx'],
    [404, '4xx'],
    [503, '5xx'],
    [undefined, 'error'],
    [99, 'error'],
  ])('status %p is class %p', (status, expected) => {
    expect(statusClassOf(status)).toBe(expected);
  });
});

describe('authorizer decisions: one AuthorizationDecisions record each, by server, outcome and reason', () => {
  const NOW = Date.parse('2026-11-29T18:00:00Z');
  let keys: Record<'apikey' | 'passthrough' | 'revoked' | 'expired', { apiKey: string; keyId: string }>;
  let store: MemoryKeyStore;
  beforeAll(async () => {
    store = new MemoryKeyStore();
    const service = new KeyService({ store, servers, now: () => new Date(NOW - 120_000) });
    const created = async (server: string, expiresInSeconds?: number) => {
      const { apiKey, record } = await service.create({ server, expiresInSeconds });
      return { apiKey, keyId: record.keyId };
    };
    const revoked = await created('demo-apikey');
    await service.revoke(revoked.keyId);
    keys = {
      apikey: await created('demo-apikey'),
      passthrough: await created('demo-passthrough'),
      revoked,
      expired: await created('demo-apikey', 60),
    };
  });
  const core = (keyStore = store) =>
    new AuthorizerCore({
      store: keyStore,
      servers,
      cacheTtlSeconds: 0,
      logger: createLogger('authorizer', { sink: () => undefined }),
      clock: () => NOW,
    });

  it.each([
    { key: 'apikey', outcome: 'allow', reason: 'valid-key' },
    { key: 'passthrough', outcome: 'deny', reason: 'key-of-other-server' },
    { key: 'missing', outcome: 'unauthorized', reason: 'missing-key' },
    { key: 'malformed', outcome: 'unauthorized', reason: 'malformed-key' },
    { key: 'unknown', outcome: 'unauthorized', reason: 'unknown-key' },
    { key: 'revoked', outcome: 'unauthorized', reason: 'revoked-key' },
    { key: 'expired', outcome: 'unauthorized', reason: 'expired-key' },
  ] as const)('$key key on demo-apikey: $outcome, $reason', async ({ key, outcome, reason }) => {
    // Arrange
    const apiKey =
      key === 'missing'
        ? undefined
        : key === 'malformed'
          ? 'nope'
          : key === 'unknown'
            ? 'mcpg_' + 'Q'.repeat(32)
            : keys[key].apiKey;
    const request = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey }))!;

    // Act
    const lines = await linesOf(() => core().authorize(request));

    // Assess
    const [emf, ...more] = emfOf(lines, 'AuthorizationDecisions');
    expect(more).toEqual([]);
    expectWellFormed(emf, 'authorization');
    expect(dimensionsOf(emf)).toEqual({ Server: 'demo-apikey', Outcome: outcome, Reason: reason });
    expect(emf.AuthorizationDecisions).toBe(1);
    expect(emf.requestId).toBe(request.requestId);
    const secrets = apiKey ? [apiKey, digestApiKey(apiKey)] : [];
    if (key in keys) secrets.push(keys[key as keyof typeof keys].keyId);
    for (const secret of secrets) expect(JSON.stringify(emf)).not.toContain(secret);
  });

  it("counts a missing token on an oauth server's own API under that server, whose every route is /", async () => {
    const oauthServer = servers.find((server) => server.authMode === 'oauth')!;
    const request = { ...parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', {}))!, stageServer: oauthServer.name };

    const lines = await linesOf(() => core().authorize(request));

    const [emf] = emfOf(lines, 'AuthorizationDecisions');
    expect(dimensionsOf(emf)).toEqual({
      Server: oauthServer.name,
      Outcome: 'unauthorized',
      Reason: 'missing-authorization',
    });
  });

  it('counts a key store that cannot answer as outcome error, reason key-store-unavailable', async () => {
    const failing = new MemoryKeyStore();
    failing.getByDigest = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const request = parseAuthorizerEvent(authorizerEvent('1.0', 'apikey', { apiKey: keys.apikey.apiKey }))!;

    const lines = await linesOf(() =>
      core(failing)
        .authorize(request)
        .catch(() => undefined),
    );

    const [emf] = emfOf(lines, 'AuthorizationDecisions');
    expect(dimensionsOf(emf)).toEqual({ Server: 'demo-apikey', Outcome: 'error', Reason: 'key-store-unavailable' });
    expect(JSON.stringify(emf)).not.toContain(keys.apikey.apiKey);
  });
});

describe('tool calls: a ToolCalls record and an audit line each; downstream calls recorded by data source', () => {
  let downstream: Server;
  let origin: string;
  beforeAll(async () => {
    downstream = createServer((req, res) => {
      res.statusCode = Number(req.url?.slice(1)) || 200;
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => downstream.close(() => resolve())));

  const serverWith = () =>
    resolveServers([
      {
        name: 'observed',
        authMode: 'apiKey',
        tools: [
          'echo',
          { kind: 'http', name: 'fetch_ok', description: 'ok', baseUrl: origin, path: '/200' },
          { kind: 'http', name: 'fetch_fail', description: 'fails', baseUrl: origin, path: '/503' },
          { kind: 'http', name: 'fetch_down', description: 'down', baseUrl: 'http://127.0.0.1:9', path: '/' },
        ],
      },
    ])[0];

  it.each([
    {
      tool: 'echo',
      args: { text: 'secret-argument-9b1' },
      outcome: 'success',
      status: undefined,
      statusClass: undefined,
    },
    { tool: 'fetch_ok', args: {}, outcome: 'success', status: 200, statusClass: '2xx' },
    { tool: 'fetch_fail', args: {}, outcome: 'tool-error', status: 503, statusClass: '5xx' },
    { tool: 'fetch_down', args: {}, outcome: 'tool-error', status: 'error', statusClass: 'error' },
  ] as const)('$tool: $outcome', async ({ tool, args, outcome, status, statusClass }) => {
    // Arrange
    const server = serverWith();
    const core = createMcpCore({ env: {}, logger: createLogger('mcp', { sink: () => undefined }) });
    const request = new Request('https://api.example.com/observed/mcp', {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'x-api-key': 'mcpg_SECRETSECRETSECRETSECRETSECRET12' },
      body: rpc('tools/call', { name: tool, arguments: args }),
    });

    // Act
    const lines = await linesOf(() => core.handle(request, { server, keyId: 'k-4d2a' }, { requestId: 'req-7' }));

    // Assess: the metric
    const [emf, ...more] = emfOf(lines, 'ToolCalls');
    expect(more).toEqual([]);
    expectWellFormed(emf, 'toolCall');
    expect(dimensionsOf(emf)).toEqual({ Server: 'observed', Tool: tool, Outcome: outcome });
    expect(emf.ToolCalls).toBe(1);
    expect(emf.ToolCallDuration).toBeGreaterThanOrEqual(0);
    // the downstream call
    const downstreamRecords = emfOf(lines, 'DownstreamCalls');
    if (statusClass === undefined) expect(downstreamRecords).toEqual([]);
    else {
      expect(downstreamRecords).toHaveLength(1);
      expectWellFormed(downstreamRecords[0], 'downstreamCall');
      const host = tool === 'fetch_down' ? '127.0.0.1:9' : new URL(origin).host;
      expect(dimensionsOf(downstreamRecords[0])).toEqual({
        Server: 'observed',
        DataSource: host,
        StatusClass: statusClass,
      });
    }
    // the audit line
    const audits = lines.filter((line) => line.audit === 'tool-call');
    expect(audits).toEqual([
      {
        level: 'info',
        time: expect.any(String),
        service: 'mcp',
        message: 'tool call',
        audit: 'tool-call',
        requestId: 'req-7',
        server: 'observed',
        keyId: 'k-4d2a',
        tool,
        outcome,
        durationMs: expect.any(Number),
        ...(status === undefined ? {} : { downstreamStatus: status }),
      },
    ]);
    // nothing secret, no argument, no key id as a dimension
    const written = JSON.stringify(lines);
    expect(written).not.toContain('SECRETSECRET');
    expect(written).not.toContain('secret-argument-9b1');
    for (const record of emfOf(lines, 'ToolCalls').concat(downstreamRecords)) {
      expect(Object.values(dimensionsOf(record))).not.toContain('k-4d2a');
    }
  });

  const context = (signal = new AbortController().signal): ToolContext => ({
    server: 'observed',
    authMode: 'none',
    keyId: null,
    requestId: 'req-8',
    authorizationReceived: false,
    fetch: globalThis.fetch,
    signal,
  });
  const toolThat = (run: ToolDefinition['run']): ToolDefinition => ({
    name: 'probe',
    description: 'probe',
    inputSchema: z.object({}),
    run,
  });

  it('records a tool that throws as failed, and the public caller and the client as the audit line names them', async () => {
    const lines = await linesOf(() =>
      runRecorded(
        toolThat(() => Promise.reject(new Error('boom'))),
        {},
        context(),
        () => ({ name: 'claude-code\u0007', version: '2.1.0' }),
      ).catch(() => undefined),
    );
    const [emf] = emfOf(lines, 'ToolCalls');
    expect(dimensionsOf(emf)).toEqual({ Server: 'observed', Tool: 'probe', Outcome: 'failed' });
    const [audit] = lines.filter((line) => line.audit === 'tool-call');
    expect(audit).toMatchObject({
      keyId: 'public',
      client: { name: 'claude-code', version: '2.1.0' },
      outcome: 'failed',
    });
  });

  it('records a call the client cancelled as cancelled', async () => {
    const controller = new AbortController();
    const lines = await linesOf(() =>
      runRecorded(
        toolThat(async () => {
          controller.abort();
          return textResult('late');
        }),
        {},
        context(controller.signal),
        () => undefined,
      ),
    );
    expect(dimensionsOf(emfOf(lines, 'ToolCalls')[0]).Outcome).toBe('cancelled');
  });
});

describe('log lines: level from the Lambda environment, cold start and X-Ray trace id', () => {
  it.each([
    [{ AWS_LAMBDA_LOG_LEVEL: 'DEBUG', LOG_LEVEL: 'error' }, 'debug'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'TRACE' }, 'debug'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'FATAL' }, 'error'],
    [{ LOG_LEVEL: 'warn' }, 'warn'],
    [{ LOG_LEVEL: 'loud' }, 'info'],
    [{}, 'info'],
  ])('%p → %s', (env, level) => {
    expect(levelFromEnv(env)).toBe(level);
  });

  it('reads the Root of _X_AMZN_TRACE_ID', () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    expect(xrayTraceId({ _X_AMZN_TRACE_ID: header })).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(xrayTraceId({})).toBeUndefined();
  });

  it('counts the first invocation of a service as its cold start, once, and marks its log lines', async () => {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger('cold-probe', { sink: (line) => logs.push(JSON.parse(line)) });
    logger.info('before');
    const lines = await linesOf(async () => {
      beginInvocation('cold-probe');
      logger.info('first');
      beginInvocation('cold-probe');
      logger.info('second');
    });
    expect(logs.map((l) => l.coldStart)).toEqual([undefined, true, false]);
    expect(isColdStart('cold-probe')).toBe(false);
    const records = emfOf(lines, 'ColdStarts');
    expect(records).toHaveLength(1);
    expectWellFormed(records[0], 'coldStart');
    expect(dimensionsOf(records[0])).toEqual({ Service: 'cold-probe' });
  });
});
