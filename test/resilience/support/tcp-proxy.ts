import { once } from 'node:events';
import net from 'node:net';

/**
 * A loopback TCP proxy in front of a server, that can hold a client's traffic the moment it sees given bytes.
 * The crash test puts one crawler's MongoDB connection behind it and holds the crawler's first insert into
 * `nodes`: the crawler is then certainly in the middle of writing a cluster's documents when it is killed.
 */
export interface TcpProxy {
  port: number;
  /**
   * Resolves when a client sends a chunk containing `needle`; that chunk and everything after it are held.
   * Rejects when no client sends it within timeoutMs.
   */
  holdOn(needle: Buffer, timeoutMs?: number): Promise<void>;
  /** Cuts every connection (their held traffic is dropped); new connections are forwarded again. */
  release(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let needle: Buffer | undefined;
  let seen: (() => void) | undefined;
  let holding = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk) => {
      if (!holding && needle && chunk.includes(needle)) {
        holding = true;
        seen?.();
      }
      if (!holding) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!holding) client.write(chunk);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    release() {
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      holding = false;
      needle = undefined;
    },
    holdOn(n, timeoutMs = 60_000) {
      needle = n;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          needle = undefined;
          reject(new Error(`no client sent the expected bytes within ${timeoutMs} ms`));
        }, timeoutMs);
        seen = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The bytes an OP_MSG `insert` command into `collection` starts with (BSON: string element `insert`). */
export function insertCommandBytes(collection: string): Buffer {
  const name = Buffer.from(`${collection}\0`);
  const length = Buffer.alloc(4);
  length.writeInt32LE(name.length);
  return Buffer.concat([Buffer.from('\x02insert\0', 'latin1'), length, name]);
}
