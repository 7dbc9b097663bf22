import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../../shared/config.ts';
import { ensureProgram } from '../../../shared/local-services/install.ts';
import { startMongo } from '../../../shared/local-services/mongo.ts';
import { type Child, freePort, startChild, tcpOpen, waitFor } from '../../../shared/local-services/process.ts';
import { onCleanup } from '../../support/cleanup.ts';

/**
 * Servers of one test file's own, that it may stop and start again without disturbing the other files (the
 * run's shared services stay up): FerretDB on its own PostgreSQL, and a redis-server on a fixed port.
 */

const run = promisify(execFile);

async function mongoAnswers(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, directConnection: true });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

async function waitClosed(port: number): Promise<void> {
  await waitFor(`port ${port} to close`, async () => !(await tcpOpen(port)), 10_000);
}

export interface RestartableServer {
  uri: string;
  port: number;
  /** SIGKILL: the server vanishes mid-operation, as on a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (and, for FerretDB, on the same PostgreSQL data). */
  start(): Promise<void>;
}

/** FerretDB started by startMongo (mode ferretdb); restarting replaces its process with an identical one. */
export async function ownFerretDb(): Promise<RestartableServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-own-mongo-'));
  const service = await startMongo({ mode: 'ferretdb', dir, cacheDir: loadConfig().STRATA_CACHE_DIR });
  const port = Number(new URL(service.uri).port);
  // The FerretDB process is our child; its command line says how to start it again.
  const { stdout } = await run('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]);
  const line = stdout.split('\n').find((l) => l.includes(`--listen-addr=127.0.0.1:${port}`));
  if (!line) throw new Error(`the FerretDB process on port ${port} was not found among this process's children`);
  let pid = Number(line.trim().split(/\s+/)[0]);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  let restarted: Child | undefined;
  onCleanup('own FerretDB and PostgreSQL', async () => {
    await restarted?.stop();
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    uri: service.uri,
    port,
    async kill() {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
      await waitClosed(port);
    },
    async start() {
      restarted = startChild(argv[0]!, argv.slice(1));
      pid = restarted.proc.pid ?? -1;
      await waitFor('FerretDB after restart', () => mongoAnswers(service.uri), 20_000);
    },
  };
}

/** A redis-server on a port of its own, persisting nothing. */
export async function ownRedis(): Promise<RestartableServer> {
  const binary = await ensureProgram('redis-server', 'redis-server');
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-own-redis-'));
  let child: Child | undefined;
  const server: RestartableServer = {
    uri: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      child?.proc.kill('SIGKILL');
      await waitClosed(port);
    },
    async start() {
      child = startChild(binary, [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ]);
      await waitFor('redis-server', () => tcpOpen(port), 10_000);
    },
  };
  onCleanup('own redis-server', async () => {
    await child?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  return server;
}
