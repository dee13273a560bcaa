import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../lambdas/shared/errors';

/** Listens on 127.0.0.1:`port` (0: any free port); a port in use fails with an error naming `variable`. */
export function listen(server: Server, port: number, variable: string): Promise<number> {
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
