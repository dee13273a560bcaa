import { McpGateError } from '../../lambdas/shared/errors';
import { runLocalStack, USAGE } from '../../local/cli';

describe('npm start: API_TYPE', () => {
  it('names the variable and the choices when it is neither rest nor http, before starting anything', async () => {
    const started = runLocalStack([], { API_TYPE: 'websocket' }, () => {});
    await expect(started).rejects.toThrow(McpGateError);
    await expect(runLocalStack([], { API_TYPE: 'websocket' }, () => {})).rejects.toThrow(
      'API_TYPE must be one of rest, http, got "websocket"',
    );
  });

  it('is documented in the usage text', () => {
    expect(USAGE).toContain('API_TYPE');
  });
});
