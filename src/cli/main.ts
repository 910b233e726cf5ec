import type { CliIo, Command } from './io.js';
// main(argv, io) -> exit code. The only place that exits is bin.ts, so every command can be run
// by tests in-process with captured output.

// Each command is loaded when it runs: `hookroute deliveries` need not load the whole server.
type Loader = () => Promise<Command>;
const COMMANDS: Record<string, { load: Loader; summary: string }> = {
  serve: { load: async () => (await import('./commands/serve.js')).serve, summary: 'receive webhooks and run the routes file (default command)' },
  check: { load: async () => (await import('./commands/check.js')).check, summary: 'validate a routes file; errors as file:line:col' },
  test: { load: async () => (await import('./commands/test.js')).test, summary: "dry-run an event through the routes, or run the file's own tests" },
  deliveries: { load: async () => (await import('./commands/deliveries.js')).deliveries, summary: 'list deliveries of the running daemon (--status dead ...)' },
  show: { load: async () => (await import('./commands/show.js')).show, summary: "one delivery: payload, each action's attempts and output" },
  replay: { load: async () => (await import('./commands/replay.js')).replay, summary: 'queue a delivery (or every dead one) again' },
  sign: { load: async () => (await import('./commands/sign.js')).sign, summary: 'sign a body as a sender would (github, stripe, ...): headers, a curl command, or --send' },
  init: { load: async () => (await import('./commands/init.js')).init, summary: 'write a commented starter routes.yaml (and its scripts) here; never overwrites' },
  schema: { load: async () => (await import('./commands/schema.js')).schema, summary: "print the routes file's JSON Schema (for editors)" },
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
  return (await command.load())(args, io);
}
