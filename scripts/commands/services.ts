import type { Command } from 'commander';
import { loadConfig } from '../../shared/config.ts';
import { isAlive, logFile, readState, startDetached, stopRecorded } from '../cli/services-state.ts';

export function register(program: Command): void {
  const services = program.command('services').description('local MongoDB-compatible, Redis and OpenLDAP servers');
  services
    .command('up')
    .description('start the local services in the foreground and print the environment that points Strata at them')
    .option('--detach', 'start them in the background, print the environment and return (stop with `services down`)')
    .action(async (opts: { detach?: boolean }) => {
      const dataDir = loadConfig().STRATA_DATA_DIR;
      const running = readState(dataDir);
      if (running && isAlive(running.pid)) {
        throw new Error(`local services are already running (pid ${running.pid}): \`strata services down\` stops them`);
      }
      if (!opts.detach) {
        await import('../services.ts');
        return;
      }
      const state = await startDetached(dataDir);
      process.stdout.write(`Services running in the background (pid ${state.pid}, log ${logFile(dataDir)}):\n`);
      for (const [k, v] of Object.entries(state.env)) process.stdout.write(`export ${k}=${JSON.stringify(v)}\n`);
    });
  services
    .command('down')
    .description('stop the local services started by `strata services up` (in the background or another shell)')
    .action(async () => {
      const state = await stopRecorded(loadConfig().STRATA_DATA_DIR);
      process.stdout.write(`Stopped the local services (pid ${state.pid}, started ${state.startedAt}).\n`);
    });
}
