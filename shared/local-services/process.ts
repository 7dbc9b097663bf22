import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

/** A free TCP port on loopback (the OS picks it; a tiny race remains and callers retry on bind failure). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export class ServiceError extends Error {
  override name = 'ServiceError';
}

/** Polls `probe` until it resolves true or the deadline passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new ServiceError(`${what} did not become ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export interface Child {
  proc: ChildProcess;
  /** The last lines the program printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a long-running program in the foreground as our child; stop() sends SIGTERM, then SIGKILL. */
export function startChild(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const proc = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (b: Buffer) => {
    tail = (tail + b.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.on('error', (e) => keep(Buffer.from(String(e))));
  return {
    proc,
    output: () => tail.trim(),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a program to completion; rejects with its output when it fails. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout?.on('data', (b) => {
      out += b;
    });
    proc.stderr?.on('data', (b) => {
      out += b;
    });
    proc.on('error', (e) => reject(new ServiceError(`${cmd} could not be run: ${e.message}`)));
    proc.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new ServiceError(`${cmd} ${args.join(' ')} failed (${code}): ${out.trim()}`)),
    );
    proc.stdin?.on('error', () => {}); // a program that exits without reading its input is judged by its exit code
    proc.stdin?.end(opts.input);
  });
}

/** Finds a program on PATH or at one of the given absolute paths. */
export async function findProgram(name: string, extra: string[] = []): Promise<string | undefined> {
  const { access, constants } = await import('node:fs/promises');
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const candidate of [...extra, ...dirs.map((d) => `${d}/${name}`)]) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

export const isRoot = () => process.getuid?.() === 0;

/** The message for a missing Debian program. */
export const missing = (program: string, pkg: string) =>
  new ServiceError(
    `${program} is not installed: run \`apt-get install -y ${pkg}\` (or \`bash .ci/run\` as root, which installs it)`,
  );
