import type { CliIo, Command } from './io.js';
import { check } from './commands/check.js';
import { serve } from './commands/serve.js';
import { test } from './commands/test.js';
import { deliveries } from './commands/deliveries.js';
import { show } from './commands/show.js';
import { replay } from './commands/replay.js';
import { schema } from './commands/schema.js';

// main(argv, io) -> exit code. The only place that exits is bin.ts, so every command can be run
// by tests in-process with captured output.

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  serve: { run: serve, summary: 'receive webhooks and run the routes file (default command)' },
  check: { run: check, summary: 'validate a routes file; errors as file:line:col' },
  test: { run: test, summary: "dry-run an event through the routes, or run the file's own tests" },
  deliveries: { run: deliveries, summary: 'list deliveries of the running daemon (--status dead ...)' },
  show: { run: show, summary: "one delivery: payload, each action's attempts and output" },
  replay: { run: replay, summary: 'queue a delivery (or every dead one) again' },
  schema: { run: schema, summary: "print the routes file's JSON Schema (for editors)" },
};

export const HELP = (): string => `hookroute — a declarative webhook-to-action router

usage: hookroute <command> [options]

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`).join('\n')}

Run \`hookroute <command> --help\` for its options. Docs: README.md
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(HELP());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    const { readFile } = await import('node:fs/promises');
    const { packageRoot } = await import('./routes-file.js');
    const pkg = JSON.parse(await readFile(`${packageRoot}/package.json`, 'utf8')) as { version: string };
    io.stdout.write(`hookroute ${pkg.version}\n`);
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'serve' : first;
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`hookroute: unknown command "${name}"\n\n${HELP()}`);
    return 2;
  }
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`hookroute ${name}: ${command.summary}\n(see README.md, "Command line")\n`);
    return 0;
  }
  return command.run(args, io);
}
