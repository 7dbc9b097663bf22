/** The `strata` command. Each subcommand lives in scripts/commands/<name>.ts and exports `register(program)`. */

import { readdirSync } from 'node:fs';
import { Command, CommanderError } from 'commander';

const program = new Command('strata')
  .description('Strata: a dated history of Proxmox VE and PBS estates')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

const dir = new URL('./commands/', import.meta.url);
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .sort()) {
  const mod = (await import(new URL(file, dir).href)) as { register(p: Command): void };
  mod.register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`strata: ${message.split('\n')[0]}\n`);
  process.exit(1);
}
