/**
 * smol-toml's `parse`. Its type declarations describe the ES module build, which a CommonJS
 * test cannot import by name; require() loads its CommonJS build, the same function.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const parseToml = (require('smol-toml') as { parse: (text: string) => Record<string, unknown> }).parse;
