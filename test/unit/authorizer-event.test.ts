import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { authorizerEvent } from '../helpers/events';

function withRequestContext(version: '1.0' | '2.0', requestId: unknown): Record<string, unknown> {
  const event = authorizerEvent(version, 'apikey', { apiKey: 'mcpg_' + 'A'.repeat(32) });
  return { ...event, requestContext: { ...(event.requestContext as object), requestId } };
}

describe('parseAuthorizerEvent: request id', () => {
  it.each([
    { name: 'a string', requestId: 'Xy1AbGHxoAMEMbQ=', expected: 'Xy1AbGHxoAMEMbQ=' },
    { name: 'empty', requestId: '', expected: undefined },
    { name: 'not a string', requestId: 42, expected: undefined },
    { name: 'absent', requestId: undefined, expected: undefined },
    { name: 'over 128 characters', requestId: 'r'.repeat(10_000), expected: 'r'.repeat(128) },
  ])('$name (payload 1.0 and 2.0)', ({ requestId, expected }) => {
    expect(parseAuthorizerEvent(withRequestContext('1.0', requestId))?.requestId).toBe(expected);
    expect(parseAuthorizerEvent(withRequestContext('2.0', requestId))?.requestId).toBe(expected);
  });
});

describe('parseAuthorizerEvent: route path of payload 2.0', () => {
  it.each([
    { routeKey: 'POST /demo-apikey/mcp', expected: '/demo-apikey/mcp' },
    { routeKey: 'ANY /{proxy+}', expected: '/{proxy+}' },
    // no path in the route key: the route ARN's path
    { routeKey: '$default', expected: '/demo-apikey/mcp' },
    { routeKey: 'POST demo', expected: '/demo-apikey/mcp' },
    { routeKey: 'POST', expected: '/demo-apikey/mcp' },
  ])('$routeKey → $expected', ({ routeKey, expected }) => {
    const event = { ...authorizerEvent('2.0', 'apikey', {}), routeKey };

    expect(parseAuthorizerEvent(event)?.routePath).toBe(expected);
  });
});
