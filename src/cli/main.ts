import { Command } from 'commander';

/** Entry point of the `hookline` command; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('hookline').description('Self-hosted programmable IVR server');
  program.exitOverride();
  await program.parseAsync(argv);
  return 0;
}
