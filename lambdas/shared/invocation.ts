import { emitMetrics } from './metrics';

/** Invocations so far, by service (the local stack runs several functions in one process). */
const invocations = new Map<string, number>();

/**
 * Marks the start of an invocation of `service`'s handler: the first one in this container is
 * its cold start, counted once in the `ColdStarts` metric. Log lines of `service` then say
 * whether they belong to the cold start (`coldStart`).
 */
export function beginInvocation(service: string): void {
  const count = (invocations.get(service) ?? 0) + 1;
  invocations.set(service, count);
  if (count === 1) emitMetrics('coldStart', { Service: service }, { ColdStarts: 1 });
}

/** The number of `service`'s current invocation in this container (1 for the cold start); undefined before any. */
export function invocationNumber(service: string): number | undefined {
  return invocations.get(service);
}

/** Whether `service`'s current invocation is its container's first; undefined before any. */
export function isColdStart(service: string): boolean | undefined {
  const count = invocations.get(service);
  return count === undefined ? undefined : count === 1;
}

/**
 * The X-Ray trace id of the current invocation (`Root=…` of `_X_AMZN_TRACE_ID`, which Lambda
 * sets per invocation); undefined without one.
 */
export function xrayTraceId(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const header = env._X_AMZN_TRACE_ID;
  if (!header) return undefined;
  const root = /(?:^|;)Root=([^;]+)/.exec(header)?.[1];
  return root && root.length <= 64 ? root : undefined;
}
