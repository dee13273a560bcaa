import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';

/** A local stack for tests: free loopback ports, keys in memory. */
export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ port: 0, dynamodbPort: 0, downstreamPort: 0, inMemory: true, ...options });
}
