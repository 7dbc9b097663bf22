import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { ensureFerretDb, ensureProgram } from './install.ts';
import {
  type Child,
  findProgram,
  freePort,
  isRoot,
  run,
  ServiceError,
  startChild,
  tcpOpen,
  waitFor,
} from './process.ts';

export type MongoKind = 'external' | 'mongod' | 'memory-server' | 'ferretdb';
export interface MongoService {
  uri: string;
  kind: MongoKind;
  /** One line for the start banner: which server is in use. */
  describe: string;
  stop(): Promise<void>;
}
interface Options {
  uri?: string | undefined;
  mode: 'auto' | 'mongod' | 'memory-server' | 'ferretdb';
  dir: string;
  cacheDir: string;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';
const MEMORY_SERVER_VERDICT = 'memory-server-unavailable';
const RETRY_MEMORY_SERVER_MS = 7 * 24 * 3600 * 1000;

async function ping(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, directConnection: true });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

async function startMongod(binary: string, dir: string): Promise<MongoService> {
  const port = await freePort();
  const dbpath = path.join(dir, 'mongod');
  mkdirSync(dbpath, { recursive: true });
  const child = startChild(binary, ['--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dbpath, '--quiet']);
  const uri = `mongodb://127.0.0.1:${port}/`;
  await waitFor('mongod', () => ping(uri)).catch((e) => {
    throw new ServiceError(`${e.message}: ${child.output()}`);
  });
  return { uri, kind: 'mongod', describe: `mongod (${binary}) on ${uri}`, stop: child.stop };
}

/** Tries mongodb-memory-server once; a failed download is remembered so later starts skip it at once. */
async function startMemoryServer(cacheDir: string, remember: boolean): Promise<MongoService | undefined> {
  const verdict = path.join(cacheDir, MEMORY_SERVER_VERDICT);
  if (remember && existsSync(verdict)) {
    const at = Number(readFileSync(verdict, 'utf8'));
    if (Date.now() - at < RETRY_MEMORY_SERVER_MS) return undefined;
  }
  process.env.MONGOMS_DOWNLOAD_DIR ??= path.join(cacheDir, 'mongodb-binaries');
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const server = await MongoMemoryServer.create({ instance: { ip: '127.0.0.1' } });
    const uri = server.getUri();
    return {
      uri,
      kind: 'memory-server',
      describe: `mongodb-memory-server on ${uri}`,
      stop: async () => void (await server.stop()),
    };
  } catch (e) {
    if (!remember) throw new ServiceError(`mongodb-memory-server could not start: ${(e as Error).message}`);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(verdict, String(Date.now()));
    return undefined;
  }
}

/** FerretDB v1.24 over a throwaway PostgreSQL 15 cluster (never the SQLite backend: far too slow). */
async function startFerretDb(dir: string, cacheDir: string): Promise<MongoService> {
  await ensureProgram('pg_ctl', 'postgresql', [`${PG_BIN}/pg_ctl`]);
  const ferretdb = await ensureFerretDb(cacheDir);
  // As root, PostgreSQL runs as the `postgres` user, which cannot enter root's private folders.
  const pgDir = isRoot() ? mkdtempSync(path.join(os.tmpdir(), 'strata-pg-')) : path.join(dir, 'postgres');
  mkdirSync(pgDir, { recursive: true });
  // initdb refuses to run as root: as root, PostgreSQL runs as the `postgres` user Debian creates.
  const asPg = (bin: string, args: string[]) =>
    isRoot() ? run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/${bin}`, ...args]) : run(`${PG_BIN}/${bin}`, args);
  if (isRoot()) {
    const { uid, gid } = await postgresUser();
    chownSync(pgDir, uid, gid);
  }
  const data = path.join(pgDir, 'data');
  const pgPort = await freePort();
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    await asPg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  }
  const opts = `-p ${pgPort} -k ${pgDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  await asPg('pg_ctl', ['-D', data, '-w', '-l', path.join(pgDir, 'pg.log'), '-o', opts, 'start']);
  const stopPg = async () => {
    await asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    if (isRoot()) rmSync(pgDir, { recursive: true, force: true });
  };
  let child: Child | undefined;
  try {
    await asPg('createdb', ['-h', '127.0.0.1', '-p', String(pgPort), 'ferretdb']).catch((e: Error) => {
      if (!/already exists/.test(e.message)) throw e;
    });
    const port = await freePort();
    const state = path.join(dir, 'ferretdb-state');
    mkdirSync(state, { recursive: true });
    child = startChild(ferretdb, [
      '--handler=postgresql',
      `--postgresql-url=postgres://postgres@127.0.0.1:${pgPort}/ferretdb`,
      `--state-dir=${state}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=127.0.0.1:0',
      '--telemetry=disable',
      '--log-level=error',
    ]);
    const uri = `mongodb://127.0.0.1:${port}/`;
    const started = child;
    await waitFor('FerretDB', async () => (await tcpOpen(port)) && ping(uri)).catch((e) => {
      throw new ServiceError(`${e.message}: ${started.output()}`);
    });
    return {
      uri,
      kind: 'ferretdb',
      describe: `FerretDB v1.24 on PostgreSQL 15 (${uri})`,
      async stop() {
        await started.stop();
        await stopPg();
      },
    };
  } catch (e) {
    await child?.stop();
    await stopPg().catch(() => {});
    throw e;
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'postgres'])).trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new ServiceError('the postgres user is missing');
  return { uid, gid };
}

/** MONGODB_URI if set; else mongod on PATH; else mongodb-memory-server; else FerretDB on PostgreSQL. */
export async function startMongo(opts: Options): Promise<MongoService> {
  if (opts.uri) {
    const uri = opts.uri;
    return {
      uri,
      kind: 'external',
      describe: `MongoDB at ${uri.replace(/\/\/[^@/]*@/, '//***@')}`,
      stop: async () => {},
    };
  }
  if (opts.mode === 'auto' || opts.mode === 'mongod') {
    const mongod = await findProgram('mongod');
    if (mongod) return startMongod(mongod, opts.dir);
    if (opts.mode === 'mongod')
      throw new ServiceError('mongod is not on PATH: install MongoDB or choose another server');
  }
  if (opts.mode === 'auto' || opts.mode === 'memory-server') {
    const server = await startMemoryServer(opts.cacheDir, opts.mode === 'auto');
    if (server) return server;
  }
  return startFerretDb(opts.dir, opts.cacheDir);
}
