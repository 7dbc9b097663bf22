import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ensureProgram } from './install.ts';
import { freePort, run, ServiceError, startChild, waitFor } from './process.ts';

export interface RedisService {
  url: string;
  describe: string;
  stop(): Promise<void>;
}

/** REDIS_URL if set, else a redis-server child on a free loopback port that persists nothing. */
export async function startRedis(opts: { url?: string | undefined; dir: string }): Promise<RedisService> {
  if (opts.url)
    return { url: opts.url, describe: `Redis at ${opts.url.replace(/\/\/[^@/]*@/, '//***@')}`, stop: async () => {} };
  const server = await ensureProgram('redis-server', 'redis-server');
  const cli = await ensureProgram('redis-cli', 'redis-tools');
  const port = await freePort();
  const dir = path.join(opts.dir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = startChild(server, [
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
  await waitFor('redis-server', async () => (await run(cli, ['-p', String(port), 'ping'])).includes('PONG')).catch(
    (e) => {
      throw new ServiceError(`${e.message}: ${child.output()}`);
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  return { url, describe: `redis-server on ${url}`, stop: child.stop };
}
