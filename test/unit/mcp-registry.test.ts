import { compileSourcesSync } from '../../config/openapi/compile-servers';
import { openApiSourcesOf, withCompiledSources } from '../../config/openapi/source';
import { servers as configured } from '../../config/servers';
import type { ResolvedServer } from '../../config/types';
import { buildToolDefinitions, functionTools } from '../../lambdas/mcp/tools/registry';
import { ConfigError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';

/** The configured servers as the stack ships them: OpenAPI sources compiled. */
const servers = configured.map((server) =>
  withCompiledSources(server, compileSourcesSync(openApiSourcesOf(server)).compiled),
);

const deps = {
  env: {
    DOWNSTREAM_URL: 'https://downstream.example.com',
    DOWNSTREAM_TOKEN_URL: 'https://downstream.example.com/token',
  },
  logger: createLogger('mcp', { sink: () => undefined }),
};

describe('tool registry', () => {
  it.each(servers.map((server) => ({ name: server.name, server })))(
    'builds every tool of configured server $name',
    ({ server }) => {
      const tools = buildToolDefinitions(server, deps);

      expect(tools.map((tool) => tool.name)).toEqual(
        server.tools.map((ref) => (typeof ref === 'string' ? ref : 'name' in ref ? ref.name : ref.kind)),
      );
      for (const tool of tools) expect(tool.description.length).toBeGreaterThan(0);
    },
  );

  it('names the registry file when a server lists an unknown function tool', () => {
    // Built by hand: resolveServers refuses this configuration at load.
    const server: ResolvedServer = {
      name: 'x',
      authMode: 'none',
      tools: ['echo', 'ghost'],
      routes: ['/x/mcp'],
      allowedOrigins: [],
      passthroughOrigins: [],
    };

    expect(() => buildToolDefinitions(server, deps)).toThrow(ConfigError);
    expect(() => buildToolDefinitions(server, deps)).toThrow(/"ghost" is not in lambdas\/mcp\/tools\/registry.ts/);
  });

  it('registers each function tool under the name it reports', () => {
    for (const [name, tool] of Object.entries(functionTools)) expect(tool.name).toBe(name);
  });
});
