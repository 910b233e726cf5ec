import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's own folder (dist/src/cli → three levels up), where the bundled example lives. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const bundledExample = resolve(packageRoot, 'routes.example.yaml');

/** The file a command works on: the one named, else ./routes.yaml, else the bundled example. */
export function routesFileFor(given: string | undefined, cwd: string): { file: string; bundled: boolean } {
  if (given !== undefined) return { file: resolve(cwd, given), bundled: false };
  const local = resolve(cwd, 'routes.yaml');
  if (existsSync(local)) return { file: local, bundled: false };
  return { file: bundledExample, bundled: true };
}
