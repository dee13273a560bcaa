import { createRequestLog, passesLevel, supportsColor } from '../../local/request-log';

const NOW = () => new Date('2026-11-30T03:31:12.538Z');

function logWith(color = false) {
  const lines: string[] = [];
  const log = createRequestLog({ write: (line) => lines.push(line), color, now: NOW });
  return { log, lines };
}

describe('local request log', () => {
  it('prints a served request with its server, key id and tools', () => {
    const { log, lines } = logWith();
    log.observeLine(
      JSON.stringify({ level: 'info', message: 'mcp request', requestId: 'r1', rpc: ['tools/call:echo', 'ping'] }),
    );
    log.onRequest({
      method: 'POST',
      path: '/demo-apikey/mcp',
      status: 200,
      durationMs: 12.4,
      requestId: 'r1',
      server: 'demo-apikey',
      keyId: 'key_1',
    });
    expect(lines).toEqual([
      '03:31:12.538  POST /demo-apikey/mcp  200  12 ms  demo-apikey  key key_1  tools/call:echo,ping',
    ]);
  });

  it("prints a denial with the authorizer's reason and no caller", () => {
    const { log, lines } = logWith();
    log.observeLine(
      JSON.stringify({
        level: 'info',
        message: 'authorization decided',
        requestId: 'r2',
        decision: 'unauthorized',
        reason: 'unknown-key',
      }),
    );
    log.onRequest({
      method: 'POST',
      path: '/demo-apikey/mcp',
      status: 401,
      durationMs: 3,
      requestId: 'r2',
      server: 'demo-apikey',
    });
    expect(lines).toEqual(['03:31:12.538  POST /demo-apikey/mcp  401  3 ms  demo-apikey  reason unknown-key']);
  });

  it('names a served request without a key id public, and ignores EMF records and lines that are not JSON', () => {
    const { log, lines } = logWith();
    log.observeLine('{"_aws":{"Timestamp":1},"requestId":"r3"}');
    log.observeLine('not json');
    log.onRequest({
      method: 'GET',
      path: '/demo-public/mcp',
      status: 405,
      durationMs: 1,
      requestId: 'r3',
      server: 'demo-public',
    });
    log.onRequest({
      method: 'POST',
      path: '/demo-public/mcp',
      status: 200,
      durationMs: 1,
      requestId: 'r4',
      server: 'demo-public',
    });
    log.onRequest({ method: 'GET', path: '/nowhere', status: 403, durationMs: 0 });
    expect(lines).toEqual([
      '03:31:12.538  GET /demo-public/mcp  405  1 ms  demo-public',
      '03:31:12.538  POST /demo-public/mcp  200  1 ms  demo-public  public',
      '03:31:12.538  GET /nowhere  403  0 ms',
    ]);
  });

  it('colours the status by class when asked', () => {
    const { log, lines } = logWith(true);
    for (const status of [200, 404, 502]) log.onRequest({ method: 'POST', path: '/x', status, durationMs: 0 });
    expect(lines.map((line) => line.split('  ')[2])).toEqual([
      '\u001b[32m200\u001b[0m',
      '\u001b[33m404\u001b[0m',
      '\u001b[31m502\u001b[0m',
    ]);
  });

  it.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: false }, {}, false],
    [{ isTTY: true }, { NO_COLOR: '1' }, false],
    [{ isTTY: true }, { TERM: 'dumb' }, false],
    [{ isTTY: false }, { FORCE_COLOR: '1' }, true],
    [{ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }, false],
  ])('colour for %p with %p: %p', (stream, env, expected) => {
    expect(supportsColor(stream, env)).toBe(expected);
  });

  it('filters function lines by level, EMF records and audit lines counting as info', () => {
    const emf = '{"_aws":{"Timestamp":1},"ToolCalls":1}';
    const debug = '{"level":"debug","message":"mcp protocol error"}';
    const audit = '{"level":"info","message":"tool call","audit":"tool-call"}';
    const error = '{"level":"error","message":"key store unavailable"}';
    expect([emf, debug, audit, error].filter((line) => passesLevel(line, 'info'))).toEqual([emf, audit, error]);
    expect([emf, debug, audit, error].filter((line) => passesLevel(line, 'warn'))).toEqual([error]);
    expect([emf, debug, audit, error].filter((line) => passesLevel(line, 'debug'))).toHaveLength(4);
  });

  it("prints the debug lines of an invocation sampled for debug whatever the level, and no one else's", () => {
    const sampled = '{"level":"debug","message":"key looked up","debugSampled":true}';
    const quoting = '{"level":"debug","message":"\\"debugSampled\\":true"}';
    expect(passesLevel(sampled, 'warn')).toBe(true);
    expect(passesLevel(quoting, 'info')).toBe(false);
  });
});
