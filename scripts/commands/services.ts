import type { Command } from 'commander';

export function register(program: Command): void {
  const services = program.command('services').description('local MongoDB-compatible, Redis and OpenLDAP servers');
  services
    .command('up')
    .description('start the local services in the foreground and print the environment that points Strata at them')
    .action(async () => {
      await import('../services.ts');
    });
}
