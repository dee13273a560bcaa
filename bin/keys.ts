import './node20-sdk-warning';
import { failureMessage } from '../cli/failures';
import { runKeysCli } from '../cli/keys';

runKeysCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runKeysCli answers every failure itself; this is the last guard against a stack trace.
    process.stderr.write(`error: ${failureMessage(error)}\n`);
    process.exitCode = 1;
  },
);
