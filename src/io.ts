/**
 * What a command may do to the outside world. Only src/cli.ts builds one from `process`;
 * tests build their own.
 */
export interface CommandIO {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (colour) and stdin is one (prompts). */
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
}

export function shouldUseColor(io: CommandIO, flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined) return io.env.FORCE_COLOR !== '0' && io.env.FORCE_COLOR !== 'false';
  return io.stdoutIsTTY;
}
