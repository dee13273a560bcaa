import fc from 'fast-check';
import { splitAuthCacheTtl } from '../../config/auth-cache';

describe('splitAuthCacheTtl', () => {
  it.each([
    [0, 0, 0],
    [1, 1, 0],
    [2, 1, 1],
    [60, 30, 30],
    [61, 31, 30],
    [3600, 1800, 1800],
  ])('splits a %i s bound into %i s at API Gateway and %i s in the authorizer', (bound, gateway, lookup) => {
    expect(splitAuthCacheTtl(bound)).toEqual({ gatewaySeconds: gateway, lookupSeconds: lookup });
  });

  it('never lets the two caches together exceed the bound, and caches at the gateway whenever the bound allows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3600 }), (bound) => {
        const { gatewaySeconds, lookupSeconds } = splitAuthCacheTtl(bound);
        expect(gatewaySeconds + lookupSeconds).toBe(bound);
        expect(gatewaySeconds >= lookupSeconds && lookupSeconds >= 0).toBe(true);
        expect(gatewaySeconds > 0).toBe(bound > 0);
      }),
    );
  });
});
