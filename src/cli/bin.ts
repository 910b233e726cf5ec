#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  onSignal(signal, handler) {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },
});
process.exitCode = code;
// A served daemon has closed its listeners by now; anything still holding the loop is a leak.
if (code !== 0 || process.argv[2] === undefined || process.argv[2] === 'serve' || process.argv[2]?.startsWith('-')) {
  setTimeout(() => process.exit(code), 1000).unref();
}
