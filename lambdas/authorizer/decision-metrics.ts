import { emitMetrics } from '../shared/metrics';

/** The authorizer's answers as the `decision` field of its log line says them. */
export type DecisionOutcome = 'allow' | 'deny' | 'unauthorized' | 'error';

/**
 * Counts one authorizer answer in `AuthorizationDecisions`, by the route's server (`none` when
 * the route names none), outcome and reason. The key id stays in the log line only.
 */
export function recordDecision(
  server: string | undefined,
  outcome: DecisionOutcome,
  reason: string,
  requestId: string | undefined,
): void {
  emitMetrics(
    'authorization',
    { Server: server ?? 'none', Outcome: outcome, Reason: reason },
    { AuthorizationDecisions: 1 },
    { requestId },
  );
}
