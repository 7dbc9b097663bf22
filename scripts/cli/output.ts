/**
 * Where a command writes its output: stdout, or a file written beside the target and renamed into place
 * when complete, so a cron job never leaves a half-written report under the final name.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

export interface Output {
  stream: Writable;
  /** finishes the file (rename into place) */
  commit(): Promise<void>;
  /** removes the partial file */
  abort(): Promise<void>;
}

export async function openOutput(file: string | undefined): Promise<Output> {
  if (!file || file === '-') {
    return { stream: process.stdout, commit: async () => {}, abort: async () => {} };
  }
  const target = path.resolve(file);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const stream = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) => reject(new Error(`Cannot write ${file}: ${e.message}`)));
  });
  return {
    stream,
    async commit() {
      stream.end();
      await finished(stream);
      await rename(temp, target);
    },
    async abort() {
      stream.destroy();
      await rm(temp, { force: true });
    },
  };
}
