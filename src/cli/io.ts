// What a command may touch, passed in so tests run the real commands (see main.ts).
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Registers a handler for a process signal; returns a function that removes it. */
  readonly onSignal?: (signal: NodeJS.Signals, handler: () => void) => () => void;
}

export type Command = (args: readonly string[], io: CliIo) => Promise<number>;

export function usageError(io: CliIo, message: string, usage: string): number {
  io.stderr.write(`hookroute: ${message}\n\nusage: ${usage}\n`);
  return 2;
}
