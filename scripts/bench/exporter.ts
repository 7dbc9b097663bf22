/**
 * prometheus-pve-exporter as the crawl benchmark runs it: installed by exporter-env.sh, one config module per
 * simulated cluster (its audit API token), started with its defaults on a loopback port, stopped by its pid.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import type { SimEndpoint } from '../../test/simulator/index.ts';

export interface ExporterInstall {
  bin: string;
  version: string;
  /** gunicorn threads the exporter's cli.py starts with (it sets one worker process). */
  threads: string;
}

/** Runs exporter-env.sh; `reason` says why the exporter is not available. */
export function findExporter(): { install?: ExporterInstall; reason?: string } {
  const env = spawnSync(new URL('./exporter-env.sh', import.meta.url).pathname, { encoding: 'utf8' });
  const bin = env.stdout.trim().split('\n').pop() ?? '';
  if (env.status !== 0 || !bin)
    return { reason: (env.stderr || env.error?.message || 'exporter-env.sh failed').trim() };
  const probe = spawnSync(
    path.join(path.dirname(bin), 'python'),
    [
      '-c',
      `import importlib.metadata as m, inspect, re, pve_exporter.cli as c
t = re.search(r"'threads':\\s*(\\d+)", inspect.getsource(c))
print(m.version('prometheus-pve-exporter'), t.group(1) if t else '?')`,
    ],
    { encoding: 'utf8' },
  );
  const [version = '?', threads = '?'] = probe.stdout.trim().split(' ');
  return { install: { bin, version, threads } };
}

/** One module per cluster, named after it, with its audit token (the role the exporter's docs recommend). */
export function exporterConfig(clusters: SimEndpoint[]): string {
  return clusters
    .map((c) => {
      const [user, tokenName] = c.auditTokenId.split('!');
      const q = JSON.stringify;
      return `${c.name}:\n  user: ${q(user)}\n  token_name: ${q(tokenName)}\n  token_value: ${q(c.auditTokenSecret)}\n  verify_ssl: false\n`;
    })
    .join('');
}

export interface RunningExporter {
  port: number;
  /** CPU seconds of the gunicorn master and its workers so far. */
  cpuMs(): number;
  /** The last lines it wrote to stderr (gunicorn's log and tracebacks). */
  log(): string;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });

const httpStatus = (url: string) =>
  new Promise<number>((resolve) => {
    get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });

/** utime + stime of a process and its children, in ms (clock ticks of 10 ms). */
function treeCpuMs(pid: number): number {
  let ticks = 0;
  const visit = (p: number) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        for (const c of readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').split(' ').filter(Boolean))
          visit(Number(c));
      }
    } catch {
      // The process ended meanwhile.
    }
  };
  visit(pid);
  return ticks * 10;
}

/** `workers` (gunicorn's WEB_CONCURRENCY) departs from the exporter's default of one worker process. */
export async function startExporter(bin: string, configFile: string, workers?: number): Promise<RunningExporter> {
  const port = await freePort();
  // Without gunicorn's environment overrides, so its defaults (as the exporter sets them) apply.
  const env = { ...process.env };
  delete env.WEB_CONCURRENCY;
  delete env.GUNICORN_CMD_ARGS;
  if (workers !== undefined) env.WEB_CONCURRENCY = String(workers);
  const proc: ChildProcess = spawn(bin, ['--config.file', configFile, '--web.listen-address', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString('utf8')).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const running: RunningExporter = {
    port,
    cpuMs: () => (proc.pid ? treeCpuMs(proc.pid) : 0),
    log: () => log,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const killed = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killed);
    },
  };
  const until = Date.now() + 30_000;
  while ((await httpStatus(`http://127.0.0.1:${port}/`)) !== 200) {
    if (proc.exitCode !== null || Date.now() > until) {
      await running.stop();
      throw new Error(`pve_exporter did not start: ${log.trim().split('\n').slice(-5).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Until every worker has booted (the first one answers while others still import), so the round has the CPU.
  for (let i = 0; i < 60; i++) {
    const before = running.cpuMs();
    await new Promise((r) => setTimeout(r, 1000));
    if (running.cpuMs() - before < 50) break;
  }
  return running;
}
