import { config } from 'zod/v4/core';

/**
 * zod compiles a parser for each object schema on its first parse (`new Function`); the
 * handler parses each of its schemas once on a cold start, where compiling costs more than
 * it saves, while a warm call is a fraction of a millisecond either way (BENCHMARKS.md,
 * part 4). zod reads the setting when a schema is built, so this module is the handler's
 * first import: it runs before the SDK builds the protocol's schemas.
 */
config({ jitless: true });
