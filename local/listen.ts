import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../lambdas/shared/errors';

const MAX_PORT = 65_535;

/** A port taken from `variable` (unset or empty: `fallback`); throws `ConfigError` naming the variable unless it is 0–65535. */
export function portEnv(
  variable: string,
  fallback: number,
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!isPort(port)) throw portError(variable, JSON.stringify(env[variable]));
  return port;
}

/**
 * Listens on 127.0.0.1:`port` (0: any free port). A port out of range or in use fails with a
 * `ConfigError` naming `variable`.
 */
export function listen(server: Server, port: number, variable: string): Promise<number> {
  if (!isPort(port)) return Promise.reject(portError(variable, String(port)));
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(
              `port ${port} is already in use; set ${variable} to another port (for example ${variable}=${port + 10})`,
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server and the connections it holds open. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= MAX_PORT;
}

function portError(variable: string, got: string): ConfigError {
  return new ConfigError(`${variable} must be a port number from 0 to ${MAX_PORT} (0 picks a free one), got ${got}`);
}
