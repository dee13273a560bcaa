// No CDK imports: `npm run keys` reads the deployed stack's outputs by these names.

/** `demo-public` → `DemoPublic`: server names as CloudFormation logical ids and output names. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** The McpGate stack's output naming its API type, `rest` or `http` (an HTTP API has no usage plans). */
export const API_TYPE_OUTPUT = 'ApiType';

/** The McpGate stack's output holding a server's MCP endpoint URL, e.g. `DemoOauthUrl`. */
export function serverUrlOutput(serverName: string): string {
  return `${pascalCase(serverName)}Url`;
}
