/** How long a read shared by several callers may take, whoever of them gives up first. */
export const SHARED_READ_TIMEOUT_MS = 10_000;

/**
 * `shared` as seen by one caller: it settles as `shared` does, or rejects with the signal's
 * reason when this caller gives up first. The shared work goes on for the others.
 */
export function untilAborted<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return shared;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abandon = () => reject(signal.reason);
    signal.addEventListener('abort', abandon, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener('abort', abandon);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abandon);
        reject(error);
      },
    );
  });
}
