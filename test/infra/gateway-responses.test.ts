import { GATEWAY_RESPONSES, PAYLOAD_LIMITS } from '../../lib/gateway-responses';

describe('gateway responses (data shared with the local stack)', () => {
  it.each(Object.entries(GATEWAY_RESPONSES))('%s is a JSON-RPC error an MCP client can show', (_type, response) => {
    const body = JSON.parse(response.body);
    expect(body).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: expect.any(String) }, id: null });
    // API Gateway reads the body as a VTL template: `$` and `#` would be evaluated.
    expect(response.body).not.toMatch(/[$#]/);
  });

  it('answers 401 for a missing or bad key and 403 for a key of another server', () => {
    expect(GATEWAY_RESPONSES.UNAUTHORIZED.statusCode).toBe(401);
    expect(GATEWAY_RESPONSES.ACCESS_DENIED.statusCode).toBe(403);
    expect(JSON.parse(GATEWAY_RESPONSES.UNAUTHORIZED.body).error.message).toMatch(/x-api-key/);
  });

  it('states the REST API payload limit', () => {
    expect(PAYLOAD_LIMITS.maxRequestBytes).toBe(10 * 1024 * 1024);
  });
});
