import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { usageError, type Command } from '../io.js';
import { bundledExample, packageRoot } from '../routes-file.js';
import { routesJsonSchema } from './schema.js';

export const USAGE = 'hookroute init';

// The bundled example refers to its scripts as ./examples/scripts/NAME.sh (paths inside the
// package); a starter folder keeps them in ./scripts/ next to its routes.yaml.
const PACKAGE_SCRIPTS = /\.\/examples\/scripts\/([\w.-]+)/g;

const HEADER = `# yaml-language-server: $schema=./routes.schema.json
#
# Written by \`hookroute init\` from hookroute's bundled example: make it yours. A running
# \`hookroute serve\` applies every save without a restart; a file with errors changes nothing.
# Check it with \`hookroute check\`, try an event with
# \`hookroute test --event teste --data '{"mensagem": "oi"}'\`, run the tests at the end of this
# file with \`hookroute test\`, and serve it with \`hookroute serve\`.`;

interface Planned {
  readonly path: string;
  readonly text: string;
  readonly mode?: number;
}

/** The starter routes file: the bundled example, with its header and script paths made local. */
export function starterRoutes(example: string): { text: string; scripts: string[] } {
  const lines = example.split('\n');
  const body = lines.slice(lines.findIndex((line) => !line.startsWith('#')));
  const scripts = [...new Set([...example.matchAll(PACKAGE_SCRIPTS)].map((m) => m[1] as string))];
  const text = `${HEADER}\n${body.join('\n')}`.replace(PACKAGE_SCRIPTS, './scripts/$1');
  return { text, scripts };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

export const init: Command = async (args, io) => {
  try {
    parseArgs({ args: [...args], options: {} });
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const { text, scripts } = starterRoutes(await readFile(bundledExample, 'utf8'));
  const files: Planned[] = [
    { path: join(io.cwd, 'routes.yaml'), text },
    { path: join(io.cwd, 'routes.schema.json'), text: routesJsonSchema() },
  ];
  for (const name of scripts) {
    files.push({ path: join(io.cwd, 'scripts', name), text: await readFile(join(packageRoot, 'examples', 'scripts', name), 'utf8'), mode: 0o755 });
  }

  // All or nothing: a half-written starter (a routes.yaml calling someone else's deploy.sh) is
  // worse than none, and an existing file is never overwritten.
  const taken: string[] = [];
  for (const file of files) if (await exists(file.path)) taken.push(file.path);
  const refuse = (paths: readonly string[]): number => {
    io.stderr.write(
      `hookroute init: ${paths.length === 1 ? 'this file already exists' : 'these files already exist'}, and init never overwrites a file:\n` +
        paths.map((p) => `  ${p}\n`).join('') +
        `Nothing was written. Move ${paths.length === 1 ? 'it' : 'them'} away, or run init in an empty folder.\n`,
    );
    return 1;
  };
  if (taken.length > 0) return refuse(taken);

  const written: string[] = [];
  for (const file of files) {
    await mkdir(dirname(file.path), { recursive: true });
    try {
      // 'wx' fails if the file appeared meanwhile: the check above is not the only guard.
      await writeFile(file.path, file.text, { flag: 'wx', ...(file.mode !== undefined && { mode: file.mode }) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return refuse([file.path]);
      throw error;
    }
    written.push(relative(io.cwd, file.path));
  }
  io.stdout.write(
    `wrote ${written.join(', ')}\n\n` +
      'next:\n' +
      '  hookroute check                 # validate routes.yaml\n' +
      '  hookroute test                  # run the tests at the end of routes.yaml\n' +
      '  hookroute serve                 # receive webhooks on http://127.0.0.1:5000/webhook\n' +
      `  curl -X POST http://127.0.0.1:5000/webhook -H 'content-type: application/json' \\\n` +
      `       -d '{"evento": "teste", "dados": {"mensagem": "Hello Webhook"}}'\n`,
  );
  return 0;
};
