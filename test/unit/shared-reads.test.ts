import { cachedSecrets } from '../../lambdas/mcp/secrets';

describe('a secret read shared by concurrent tool calls', () => {
  it('still answers the others when the call that started it is cancelled', async () => {
    // Arrange: one read in flight, started by the first caller.
    let finish!: (value: string) => void;
    let loads = 0;
    // A loader that stops when its signal ends, as a fetch does.
    const secrets = cachedSecrets((_ref, signal) => {
      loads++;
      return new Promise<string>((resolve, reject) => {
        finish = resolve;
        signal?.addEventListener('abort', () => reject(signal.reason as Error));
      });
    });
    const first = new AbortController();
    const second = new AbortController();

    // Act
    const firstRead = secrets.read({ secretsManager: 'api/key' }, first.signal);
    const secondRead = secrets.read({ secretsManager: 'api/key' }, second.signal);
    first.abort(new Error('cancelled by its client'));
    finish('value');

    // Assess
    await expect(firstRead).rejects.toThrow('cancelled by its client');
    await expect(secondRead).resolves.toBe('value');
    expect(loads).toBe(1);
  });

  it('gives up for a caller whose own signal ends first, and keeps the value for the next', async () => {
    let finish!: (value: string) => void;
    const secrets = cachedSecrets(() => new Promise<string>((resolve) => (finish = resolve)));
    const caller = new AbortController();

    const read = secrets.read({ ssm: '/api/token' }, caller.signal);
    caller.abort(new Error('tool timeout'));
    await expect(read).rejects.toThrow('tool timeout');
    finish('kept');

    await expect(secrets.read({ ssm: '/api/token' })).resolves.toBe('kept');
  });
});
