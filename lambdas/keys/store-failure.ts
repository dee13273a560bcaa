import { KeyStoreUnavailableError } from '../shared/errors';

/** Whether DynamoDB refused a write for its condition (a conflict or a missing key, not an outage). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** A failed key store call as the outage it is, naming the operation and the cause (never a key). */
export function unavailable(operation: string, error: unknown): KeyStoreUnavailableError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new KeyStoreUnavailableError(`key store ${operation} failed (${detail})`, { cause: error });
}
