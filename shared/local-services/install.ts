import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram, isRoot, missing, run, ServiceError } from './process.ts';

let aptUpdated = false;

/**
 * Returns the path of `program`, installing Debian package `pkg` first when it is missing and we are root
 * on a Debian machine; otherwise fails with a message that says how to install it.
 */
export async function ensureProgram(program: string, pkg: string, extraPaths: string[] = []): Promise<string> {
  const found = await findProgram(program, extraPaths);
  if (found) return found;
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) throw missing(program, pkg);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await run('apt-get', ['update', '-qq'], { env });
    aptUpdated = true;
  }
  await run('apt-get', ['install', '-y', '-qq', pkg], { env });
  const after = await findProgram(program, extraPaths);
  if (!after) throw new ServiceError(`${program} is still missing after installing ${pkg}`);
  return after;
}

/** Builds FerretDB v1.24 from its module source once into the cache folder and returns the binary's path. */
export async function ensureFerretDb(cacheDir: string): Promise<string> {
  const binary = path.join(cacheDir, 'ferretdb-v1.24.0', 'ferretdb');
  if (existsSync(binary)) return binary;
  if (!(await findProgram('go', ['/usr/local/go/bin/go']))) {
    throw new ServiceError(
      'FerretDB is not built and Go is missing: install Go, or set MONGODB_URI to a MongoDB server',
    );
  }
  const script = fileURLToPath(new URL('../../scripts/build-ferretdb.sh', import.meta.url));
  const env = { ...process.env, STRATA_CACHE_DIR: cacheDir, PATH: `${process.env.PATH}:/usr/local/go/bin` };
  const out = await run('bash', [script], { env });
  const built = out.trim().split('\n').pop() ?? '';
  if (built !== binary || !existsSync(binary))
    throw new ServiceError(`FerretDB build did not produce ${binary}: ${out}`);
  return binary;
}
