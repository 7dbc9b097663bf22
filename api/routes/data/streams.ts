import type { Doc } from '../../query/guest-fields.ts';

/**
 * Streamed responses that hold at most one chunk (about 64 KiB) in memory besides what they read from:
 * documents are serialised as the client takes them (the stream is pulled), never joined into one string.
 */
const CHUNK_BYTES = 64 * 1024;
const encoder = new TextEncoder();

export interface DocSource {
  [Symbol.asyncIterator](): AsyncIterator<Doc>;
  close?(): Promise<void>;
}

/** NDJSON: one document per line, read from a sequence of sources (e.g. one Mongo cursor per cluster). */
export function ndjsonStream(
  sources: (() => DocSource)[],
  transform: (d: Doc) => Doc = (d) => d,
): ReadableStream<Uint8Array> {
  let i = 0;
  let current: DocSource | null = null;
  let iter: AsyncIterator<Doc> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let buf = '';
        while (buf.length < CHUNK_BYTES) {
          if (!iter) {
            const make = sources[i++];
            if (!make) break;
            current = make();
            iter = current[Symbol.asyncIterator]();
          }
          const r = await iter.next();
          if (r.done) {
            await current?.close?.();
            current = null;
            iter = null;
            continue;
          }
          buf += `${JSON.stringify(transform(r.value))}\n`;
        }
        if (buf) controller.enqueue(encoder.encode(buf));
        if (!iter && i >= sources.length) controller.close();
      },
      async cancel() {
        await current?.close?.();
      },
    },
    { highWaterMark: 1 },
  );
}

/** `prefix` + JSON array of `docs` + `suffix`, serialised lazily. */
export function jsonArrayStream(prefix: string, docs: readonly Doc[], suffix: string): ReadableStream<Uint8Array> {
  let i = 0;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        let buf = started ? '' : `${prefix}[`;
        started = true;
        while (buf.length < CHUNK_BYTES && i < docs.length) {
          buf += (i > 0 ? ',' : '') + JSON.stringify(docs[i]);
          i++;
        }
        if (i >= docs.length) {
          controller.enqueue(encoder.encode(`${buf}]${suffix}`));
          controller.close();
        } else controller.enqueue(encoder.encode(buf));
      },
    },
    { highWaterMark: 1 },
  );
}
