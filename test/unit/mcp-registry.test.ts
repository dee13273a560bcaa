import { servers } from '../../config/servers';
import { resolveServers } from '../../config/validate';
import { buildToolDefinitions, functionTools } from '../../lambdas/mcp/tools/registry';
import { ConfigError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';

const deps = {
  env: { DOWNSTREAM_URL: 'https://downstream.example.com' },
  logger: createLogger('mcp', { sink: () => undefined }),
};

describe('tool registry', () => {
  it.each(servers.map((server) => ({ name: server.name, server })))(
    'builds every tool of configured server $name',
    ({ server }) => {
      const tools = buildToolDefinitions(server, deps);

      expect(tools.map((tool) => tool.name)).toEqual(
        server.tools.map((ref) => (typeof ref === 'string' ? ref : ref.name)),
      );
      for (const tool of tools) expect(tool.description.length).toBeGreaterThan(0);
    },
  );

  it('names the registry file when a server lists an unknown function tool', () => {
    const [server] = resolveServers([{ name: 'x', authMode: 'none', tools: ['echo', 'ghost'] }]);

    expect(() => buildToolDefinitions(server, deps)).toThrow(ConfigError);
    expect(() => buildToolDefinitions(server, deps)).toThrow(/"ghost" is not in lambdas\/mcp\/tools\/registry.ts/);
  });

  it('registers each function tool under its own name', () => {
    for (const [name, tool] of functionTools) expect(tool.name).toBe(name);
    expect([...functionTools.keys()]).toEqual(['echo', 'whoami']);
  });
});
