// Environment values that look like secrets, for commands that print before a routes file has
// loaded (and so before its own list of secrets exists).
import { SECRET_NAME } from '../config/env.js';

export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.length >= 3)
    .map(([, value]) => value as string);
}
