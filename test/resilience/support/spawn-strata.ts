import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StrataProcess } from './processes.ts';

/**
 * Starts one of Strata's entry points as `node --import tsx <script> ...args` in the repository, its output
 * kept in memory and in `logFile`. No test framework here: the load benchmark script uses it too.
 */

export const REPO = path.resolve(import.meta.dirname, '../../..');
const TSX_LOADER = path.join(REPO, 'node_modules/tsx/dist/loader.mjs');

export function spawnStrata(
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  opts: { nice?: number } = {},
): StrataProcess {
  const log = createWriteStream(logFile);
  const proc = spawn(process.execPath, ['--import', TSX_LOADER, path.join(REPO, script), ...args], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A CPU priority (nice): lower for batch jobs sharing cores with the API, higher for the API.
  if (opts.nice && proc.pid) {
    try {
      os.setPriority(proc.pid, opts.nice);
    } catch {} // raising a priority needs root: without it the process keeps the default
  }
  let text = '';
  const waiters = new Set<() => void>();
  const take = (b: Buffer) => {
    text += b.toString();
    log.write(b);
    for (const w of waiters) w();
  };
  proc.stdout?.on('data', take);
  proc.stderr?.on('data', take);
  const gone = once(proc, 'exit').then(() => {
    for (const w of waiters) w();
  });
  gone.finally(() => log.end()).catch(() => {});
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const tail = () => text.slice(-1500);
  return {
    name,
    proc,
    pid: proc.pid ?? -1,
    logFile,
    output: () => text,
    records() {
      const out: Record<string, unknown>[] = [];
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch {}
      }
      return out;
    },
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = text.match(pattern);
          if (m) return done(() => resolve(m));
          if (exited()) {
            return done(() =>
              reject(new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) before ${pattern}: ${tail()}`)),
            );
          }
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms: ${tail()}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    exited,
    async finished() {
      await gone;
      return proc.exitCode ?? -1;
    },
    async stop() {
      if (exited()) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
    async kill() {
      if (exited()) return;
      proc.kill('SIGKILL');
      await gone;
    },
  };
}
