import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlRequestStatus, nextCrawlRequest, requestCrawl, updateCrawlRequest } from '../../shared/crawl-requests.ts';
import { LeaseLostError, tryAcquire } from '../../shared/lease.ts';
import { connectRedis, redisReady } from '../../shared/redis.ts';
import { services } from '../support/services.ts';

const a = connectRedis(services().redisUrl);
const b = connectRedis(services().redisUrl);
beforeAll(() => Promise.all([redisReady(a), redisReady(b)]));
afterAll(() => {
  a.disconnect();
  b.disconnect();
});
const key = (s: string) => `test:${process.pid}:${s}:${Date.now()}`;

describe('Redis lease', () => {
  it('has one holder at a time; only the holder releases or extends it', async () => {
    const k = key('one');
    const first = await tryAcquire(a, k, 2000);
    expect(first).not.toBeNull();
    expect(await tryAcquire(b, k, 2000)).toBeNull();
    // A stranger's token cannot release it.
    const stranger = { ...first!, token: 'nope' };
    expect(
      await b.eval(
        `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`,
        1,
        k,
        stranger.token,
      ),
    ).toBe(0);
    expect(await first!.extend(5000)).toBe(true);
    expect(await b.pttl(k)).toBeGreaterThan(4000);
    expect(await first!.release()).toBe(true);
    expect(await first!.isHeld()).toBe(false);
    const second = await tryAcquire(b, k, 2000);
    expect(second).not.toBeNull();
    await second!.release();
  });

  it('expires when the holder stops extending, and then another process takes it', async () => {
    const k = key('expire');
    const dead = await tryAcquire(a, k, 300);
    expect(dead).not.toBeNull();
    await sleep(400);
    const next = await tryAcquire(b, k, 2000);
    expect(next).not.toBeNull();
    await expect(dead!.assertHeld()).rejects.toBeInstanceOf(LeaseLostError);
    expect(await dead!.release()).toBe(false);
    expect(await next!.isHeld()).toBe(true);
    await next!.release();
  });

  it('keeps itself alive, and reports the loss when someone else takes it', async () => {
    const k = key('alive');
    const lease = await tryAcquire(a, k, 300);
    let lost: Error | undefined;
    lease!.keepAlive((e) => {
      lost = e;
    });
    await sleep(700);
    expect(await lease!.isHeld()).toBe(true);
    expect(lost).toBeUndefined();
    await b.set(k, 'intruder', 'PX', 5000);
    await sleep(250);
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect(lease!.signal.aborted).toBe(true);
    await lease!.release();
    await b.del(k);
  });
});

describe('on-demand crawl requests', () => {
  it('queues one request per cluster and reports its progress', async () => {
    const cluster = `c${Date.now()}`;
    const first = await requestCrawl(a, cluster);
    const again = await requestCrawl(a, cluster);
    expect(again.id).toBe(first.id);
    expect(again.state).toBe('queued');
    await expect(requestCrawl(a, 'bad name!')).rejects.toThrow(/not a cluster name/);
    const got = await nextCrawlRequest(b, 1);
    expect(got?.id).toBe(first.id);
    await updateCrawlRequest(a, got!, { state: 'done', date: 123, status: 'complete' });
    expect(await crawlRequestStatus(a, first.id)).toMatchObject({ state: 'done', date: 123, cluster });
    const next = await requestCrawl(a, cluster);
    expect(next.id).not.toBe(first.id);
    await nextCrawlRequest(b, 1);
  });
});
