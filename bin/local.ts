import './node20-sdk-warning';
import { ConfigError } from '../config/errors';
import { McpGateError } from '../lambdas/shared/errors';

async function main(): Promise<void> {
  // Loaded here rather than imported at the top: the server configuration is validated while it
  // loads, and a bad one is then reported below like every other configuration error.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runLocalStack } = require('../local/cli') as typeof import('../local/cli');
  await runLocalStack(process.argv.slice(2));
}

main().catch((error: unknown) => {
  // A mistake in the configuration, the environment or the options (or the folder in use): one
  // line naming what to fix, no stack trace. Anything else is a bug: rethrown, so Node prints
  // its stack trace and exits non-zero.
  if (!(error instanceof ConfigError || error instanceof McpGateError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(1);
});
