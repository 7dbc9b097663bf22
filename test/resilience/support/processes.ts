import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { services } from '../../support/services.ts';

/**
 * Strata's own entry points as child processes (`strata crawl`, `api/main.ts`), each with its output kept in a
 * log file (the secrets scan reads them) and in memory (tests wait for lines). Every process started here is
 * killed when the test file ends, by its own pid.
 */

export const REPO = path.resolve(import.meta.dirname, '../../..');
const TSX_LOADER = path.join(REPO, 'node_modules/tsx/dist/loader.mjs');

export interface StrataProcess {
  name: string;
  proc: ChildProcess;
  pid: number;
  logFile: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Lines of output that parse as JSON (pino log records). */
  records(): Record<string, unknown>[];
  /** Resolves with the first output match of `pattern` (waiting up to timeoutMs). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): boolean;
  /** SIGTERM, and SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies at once, as on a crash or an OOM kill. */
  kill(): Promise<void>;
}

let logDir: string | undefined;
const started: StrataProcess[] = [];

/** The folder holding this test file's process logs. */
export function logFolder(): string {
  if (!logDir) {
    logDir = mkdtempSync(path.join(os.tmpdir(), 'strata-resilience-logs-'));
    const dir = logDir;
    afterAll(async () => {
      await Promise.all(started.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    });
  }
  return logDir;
}

/** The environment of a Strata process on the test run's services and the given database. */
export function strataEnv(over: Record<string, string>): NodeJS.ProcessEnv {
  const s = services();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TZ: process.env.TZ,
    MONGODB_URI: s.mongoUri,
    REDIS_URL: s.redisUrl,
    LDAP_URL: s.ldap.url,
    STRATA_LDAP_BIND_DN: s.ldap.bindDn,
    STRATA_LDAP_BIND_PASSWORD: s.ldap.bindPassword,
    STRATA_LDAP_USER_BASE: s.ldap.userBase,
    STRATA_ROLE_BINDINGS: s.ldap.roleBindings,
    STRATA_LOG_LEVEL: 'info',
    STRATA_API_PORT: '0',
    ...over,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined || v === '') delete env[k];
  return env;
}

/** Starts `node --import tsx <script> ...args` in the repository with `env`. */
export function startStrata(name: string, script: string, args: string[], env: NodeJS.ProcessEnv): StrataProcess {
  const logFile = path.join(logFolder(), `${name}.log`);
  const log: WriteStream = createWriteStream(logFile);
  const proc = spawn(process.execPath, ['--import', TSX_LOADER, path.join(REPO, script), ...args], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  const p: StrataProcess = {
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
  const tail = () => text.slice(-1500);
  started.push(p);
  return p;
}

/** Every log file of this test file's processes, read now. */
export function allLogs(): string {
  return started.map((p) => readFileSync(p.logFile, 'utf8')).join('\n');
}

/** A crawler daemon (`strata crawl`) on the schedule in `env`. Resolves once it has started. */
export async function startCrawlerProcess(name: string, env: NodeJS.ProcessEnv): Promise<StrataProcess> {
  const p = startStrata(name, 'scripts/strata.ts', ['crawl'], env);
  await p.waitFor(/"msg":"crawler started"/, 90_000);
  return p;
}

/** The API (`api/main.ts`) on a free port. Resolves with its base URL once it listens. */
export async function startApiProcess(name: string, env: NodeJS.ProcessEnv): Promise<StrataProcess & { url: string }> {
  const p = startStrata(name, 'api/main.ts', [], env);
  const m = await p.waitFor(/Strata API on (https?:\/\/\S+) /, 90_000);
  return Object.assign(p, { url: m[1]! });
}
