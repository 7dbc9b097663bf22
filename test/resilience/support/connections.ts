import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Which of the given processes hold open TCP connections to a loopback port, read with `ss -tnp`: a crawler
 * connected to a simulated cluster's port is crawling that cluster right now (its client closes its
 * connections when the cluster's crawl ends).
 */
export async function pidsConnectedTo(port: number, pids: number[]): Promise<number[]> {
  const { stdout } = await run('ss', ['-Htnp', 'state', 'established', 'dst', `127.0.0.1:${port}`]);
  const found = new Set<number>();
  for (const m of stdout.matchAll(/pid=(\d+)/g)) {
    const pid = Number(m[1]);
    if (pids.includes(pid)) found.add(pid);
  }
  return [...found];
}
