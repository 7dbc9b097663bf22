import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onCleanup } from '../../support/cleanup.ts';
import { services } from '../../support/services.ts';
import { spawnStrata } from './spawn-strata.ts';

export { REPO } from './spawn-strata.ts';

/**
 * Strata's own entry points as child processes (`strata crawl`, `api/main.ts`), each with its output kept in a
 * log file (the secrets scan reads them) and in memory (tests wait for lines). Every process started here is
 * killed when the test file ends, by its own pid.
 */

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
  /** Resolves with the exit code once the process has ended by itself. */
  finished(): Promise<number>;
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
    onCleanup('child processes and their logs', async () => {
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

/** Starts `node --import tsx <script> ...args` in the repository with `env`; stopped when the file ends. */
export function startStrata(name: string, script: string, args: string[], env: NodeJS.ProcessEnv): StrataProcess {
  const p = spawnStrata(name, script, args, env, path.join(logFolder(), `${name}.log`));
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
