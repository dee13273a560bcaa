import { beginInvocation } from '../../lambdas/shared/invocation';
import {
  createLogger,
  debugSampleRateFromEnv,
  DEBUG_SAMPLE_RATE_VARIABLE,
  type LoggerOptions,
} from '../../lambdas/shared/logger';

/** A logger at `info` writing parsed lines to `lines`; `draws` are the sampling decisions' random numbers. */
function probe(service: string, options: LoggerOptions & { draws?: number[] } = {}) {
  const lines: Record<string, unknown>[] = [];
  const draws = [...(options.draws ?? [])];
  const random = jest.fn(() => draws.shift() ?? 0.99);
  const logger = createLogger(service, {
    level: 'info',
    sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    random,
    ...options,
  });
  return { logger, lines, random };
}

describe('debug-log sampling (POWERTOOLS_LOGGER_SAMPLE_RATE)', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['0', 0],
    ['0.1', 0.1],
    [' 0.25 ', 0.25],
    ['1', 1],
    ['1.5', undefined],
    ['-0.1', undefined],
    ['often', undefined],
  ])('%p → %p', (raw, rate) => {
    expect(debugSampleRateFromEnv({ [DEBUG_SAMPLE_RATE_VARIABLE]: raw })).toBe(rate);
  });

  it('decides once per invocation whether its debug lines are written, and marks every line of a sampled one', () => {
    // Arrange: the first invocation is drawn in (0.2 < 0.5), the second out (0.7)
    const { logger, lines, random } = probe('sampling-probe', { debugSampleRate: 0.5, draws: [0.2, 0.7] });

    // Act
    beginInvocation('sampling-probe');
    logger.debug('first: key looked up', { requestId: 'r-1' });
    logger.info('first: authorization decided', { requestId: 'r-1' });
    logger.debug('first: cache stored', { requestId: 'r-1' });
    beginInvocation('sampling-probe');
    logger.debug('second: key looked up', { requestId: 'r-2' });
    logger.info('second: authorization decided', { requestId: 'r-2' });

    // Assess
    expect(lines.map((line) => [line.level, line.message, line.debugSampled])).toEqual([
      ['debug', 'first: key looked up', true],
      ['info', 'first: authorization decided', true],
      ['debug', 'first: cache stored', true],
      ['info', 'second: authorization decided', undefined],
    ]);
    expect(random).toHaveBeenCalledTimes(2);
  });

  it('writes every line of a sampled invocation, as a logger at debug would, even under a higher threshold', () => {
    const { logger, lines } = probe('threshold-probe', { level: 'error', debugSampleRate: 1, draws: [0] });

    beginInvocation('threshold-probe');
    logger.debug('looked up');
    logger.info('mcp request');
    logger.warn('refused');

    expect(lines.map((line) => line.message)).toEqual(['looked up', 'mcp request', 'refused']);
  });

  it('shares the decision among the loggers of one service', () => {
    const first = probe('shared-probe', { debugSampleRate: 0.5, draws: [0.1] });
    const second = probe('shared-probe', { debugSampleRate: 0.5, draws: [0.9] });

    beginInvocation('shared-probe');
    first.logger.debug('from the handler');
    second.logger.debug('from the core');

    expect(first.lines).toHaveLength(1);
    expect(second.lines).toEqual([expect.objectContaining({ message: 'from the core', debugSampled: true })]);
    expect(second.random).not.toHaveBeenCalled();
  });

  it('never samples at rate 0, nor outside an invocation', () => {
    const off = probe('off-probe', { debugSampleRate: 0, draws: [0] });
    beginInvocation('off-probe');
    off.logger.debug('not written');
    off.logger.info('written');
    expect(off.lines.map((line) => [line.message, line.debugSampled])).toEqual([['written', undefined]]);
    expect(off.random).not.toHaveBeenCalled();

    const outside = probe('outside-probe', { debugSampleRate: 1 });
    outside.logger.debug('before any invocation');
    expect(outside.lines).toEqual([]);
  });

  it('writes every debug line at rate 1', () => {
    const { logger, lines } = probe('always-probe', { debugSampleRate: 1 });
    beginInvocation('always-probe');
    logger.debug('written');
    beginInvocation('always-probe');
    logger.debug('written again');
    expect(lines.map((line) => line.message)).toEqual(['written', 'written again']);
  });

  it('says once, naming the variable, that a rate it cannot read turns sampling off', () => {
    const previous = process.env[DEBUG_SAMPLE_RATE_VARIABLE];
    process.env[DEBUG_SAMPLE_RATE_VARIABLE] = '25%';
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const isolated = require('../../lambdas/shared/logger') as typeof import('../../lambdas/shared/logger');
        const lines: string[] = [];
        isolated.createLogger('authorizer', { level: 'info', sink: (line) => lines.push(line) });
        isolated.createLogger('mcp', { level: 'info', sink: (line) => lines.push(line) });
        expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
          expect.objectContaining({
            level: 'warn',
            message: expect.stringContaining(DEBUG_SAMPLE_RATE_VARIABLE) as unknown,
          }),
        ]);
      });
    } finally {
      if (previous === undefined) delete process.env[DEBUG_SAMPLE_RATE_VARIABLE];
      else process.env[DEBUG_SAMPLE_RATE_VARIABLE] = previous;
    }
  });
});
