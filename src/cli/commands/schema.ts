import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { actionSpecs } from '../../actions/registry.js';
import { editorSchema } from '../../config/schema.js';
import { schemeNames } from '../../verify/registry.js';
import { usageError, type Command } from '../io.js';

export const USAGE = 'hookroute schema [--out FILE]';

/** The routes file's JSON Schema for editors, made from the same definitions as the validator. */
export function routesJsonSchema(): string {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...editorSchema({ actions: actionSpecs, schemeNames }),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export const schema: Command = async (args, io) => {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: { out: { type: 'string' } } }));
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const text = routesJsonSchema();
  if (values.out === undefined) io.stdout.write(text);
  else await writeFile(resolve(io.cwd, values.out), text);
  return 0;
};
