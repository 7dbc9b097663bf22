import type { Redis } from 'ioredis';
import { BSON, type Db } from 'mongodb';

/**
 * The secrets scan: every secret the run handled, in the forms it could leak in (as given, hex, base64), is
 * searched for in a body of text. What it finds is named, never printed.
 */

export interface Secret {
  what: string;
  value: string;
}

/** A secret and its encodings: bytes appear as hex or base64 (EJSON Binary), strings as themselves. */
export function forms(s: Secret): Secret[] {
  const out = [s];
  const bytes = Buffer.from(s.value, 'utf8');
  out.push({ what: `${s.what} (base64)`, value: bytes.toString('base64').replace(/=+$/, '') });
  return out.filter((f) => f.value.length >= 8);
}

export function keyForms(what: string, key: Buffer): Secret[] {
  return [
    { what: `${what} (hex)`, value: key.toString('hex') },
    { what: `${what} (base64)`, value: key.toString('base64').replace(/=+$/, '') },
    { what: `${what} (base64url)`, value: key.toString('base64url') },
  ];
}

/** Which secrets occur in `text` (names only). */
export function leaks(text: string, secrets: Secret[]): string[] {
  const found = new Set<string>();
  for (const s of secrets.flatMap((x) => (x.what.includes('(') ? [x] : forms(x)))) {
    if (text.includes(s.value)) found.add(s.what);
  }
  return [...found].sort();
}

/** Every document of every collection of the database, as canonical Extended JSON. */
export async function dumpDatabase(db: Db): Promise<{ text: string; collections: string[]; documents: number }> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const parts: string[] = [];
  let documents = 0;
  for (const name of names) {
    const docs = await db.collection(name).find({}).toArray();
    documents += docs.length;
    parts.push(`# ${name}\n${BSON.EJSON.stringify(docs, { relaxed: false })}`);
  }
  return { text: parts.join('\n'), collections: names, documents };
}

/** Every key and string/hash/list value in Redis. */
export async function dumpRedis(redis: Redis): Promise<{ text: string; keys: number }> {
  const parts: string[] = [];
  let cursor = '0';
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', '500');
    cursor = next;
    for (const key of batch) {
      keys++;
      const type = await redis.type(key);
      let value: unknown = null;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1');
      parts.push(`${key} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return { text: parts.join('\n'), keys };
}
