import type { CliIo, Command } from './io.js';
// main(argv, io) -> exit code. The only place that exits is bin.ts, so every command can be run
// by tests in-process with captured output.

// Each command is loaded when it runs: `hookroute deliveries` need not load the whole server.
type Loader = () => Promise<{ run: Command; usage: string }>;
const COMMANDS: Record<string, { load: Loader; summary: string }> = {
  serve: { load: async () => { const m = await import('./commands/serve.js'); return { run: m.serve, usage: m.USAGE }; }, summary: 'receive webhooks and run the routes file (default command)' },
  check: { load: async () => { const m = await import('./commands/check.js'); return { run: m.check, usage: m.USAGE }; }, summary: 'validate a routes file; errors as file:line:col' },
  test: { load: async () => { const m = await import('./commands/test.js'); return { run: m.test, usage: m.USAGE }; }, summary: "dry-run an event through the routes, or run the file's own tests" },
  deliveries: { load: async () => { const m = await import('./commands/deliveries.js'); return { run: m.deliveries, usage: m.USAGE }; }, summary: 'list deliveries of the running daemon (--status dead ...)' },
  show: { load: async () => { const m = await import('./commands/show.js'); return { run: m.show, usage: m.USAGE }; }, summary: "one delivery: payload, each action's attempts and output" },
  replay: { load: async () => { const m = await import('./commands/replay.js'); return { run: m.replay, usage: m.USAGE }; }, summary: 'queue a delivery (or every dead one) again' },
  sign: { load: async () => { const m = await import('./commands/sign.js'); return { run: m.sign, usage: m.USAGE }; }, summary: 'sign a body as a sender would (github, stripe, ...): headers, a curl command, or --send' },
  init: { load: async () => { const m = await import('./commands/init.js'); return { run: m.init, usage: m.USAGE }; }, summary: 'write a commented starter routes.yaml (and its scripts) here; never overwrites' },
  schema: { load: async () => { const m = await import('./commands/schema.js'); return { run: m.schema, usage: m.USAGE }; }, summary: "print the routes file's JSON Schema (for editors)" },
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
    io.stdout.write(`hookroute ${name}: ${command.summary}\n\nusage: ${(await command.load()).usage}\n\nSee README.md, "Command line".\n`);
    return 0;
  }
  return (await command.load()).run(args, io);
}
