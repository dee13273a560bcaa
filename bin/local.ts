import './node20-sdk-warning';

async function main(): Promise<void> {
  // Loaded here rather than imported at the top: the server configuration is validated while it
  // loads, and a bad one is then reported below like every other configuration error.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runLocalStack } = require('../local/cli') as typeof import('../local/cli');
  await runLocalStack(process.argv.slice(2));
}

main().catch((error: unknown) => {
  // One line, no stack trace: errors raised on purpose (McpGateError, ConfigError) name what to fix.
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
