// The AWS SDK warns once per process that it will need Node.js 22 from 2027. Lambda runs
// Node.js 22; on a laptop with Node.js 20 the warning only buries the CLI's own output.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(typeof warning === 'string' ? warning : warning.message).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;
