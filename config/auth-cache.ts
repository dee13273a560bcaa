/**
 * `AUTH_CACHE_TTL_SECONDS` is the promise: a revoked or expired key stops working within that
 * many seconds. Two caches stand between a revocation and a request: API Gateway's result cache
 * (per identity-source values) and the authorizer's own lookup cache (per key, per container).
 * An answer API Gateway caches can come from a lookup made a whole lookup TTL earlier, so the
 * two TTLs add up: each gets half of the bound (API Gateway the larger half).
 */
export function splitAuthCacheTtl(boundSeconds: number): {
  readonly gatewaySeconds: number;
  readonly lookupSeconds: number;
} {
  const lookupSeconds = Math.floor(boundSeconds / 2);
  return { gatewaySeconds: boundSeconds - lookupSeconds, lookupSeconds };
}
