import './node20-sdk-warning';
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../config/errors';

/**
 * The CDK app (`npx cdk synth`): the `McpGate` stack, plus `McpGateExistingApis` when
 * context names an existing API (`-c mcp-gate:existingRestApiId=…`, see lib/settings.ts).
 * Synthesizes offline: no AWS account, credentials or Docker (esbuild bundles locally).
 */
function main(): void {
  // Loaded here rather than imported at the top: config/servers.ts validates the server
  // configuration while it loads, and a bad one is then reported below like a bad context value.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildMcpGateApp } = require('../lib/app') as typeof import('../lib/app');
  buildMcpGateApp(new App());
}

try {
  main();
} catch (error) {
  // A configuration or context mistake: one line naming what to fix, no stack trace. Exit at
  // once: on a normal exit the App would synthesize the part built before the error.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(1);
}
