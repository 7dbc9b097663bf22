import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../shared/semaphore.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('Semaphore', () => {
  it('lets `limit` holders in and the rest in FIFO order as slots are released', async () => {
    const sem = new Semaphore(2);
    const a = await sem.acquire();
    const b = await sem.acquire();
    const order: string[] = [];
    const entered = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const c = sem.acquire().then(entered('c'));
    const d = sem.acquire().then(entered('d'));
    await tick();
    expect(order).toEqual([]);
    expect(sem.inUse).toBe(2);
    expect(sem.queued).toBe(2);
    a();
    await tick();
    expect(order).toEqual(['c']);
    b();
    await tick();
    expect(order).toEqual(['c', 'd']);
    expect(sem.inUse).toBe(2);
    (await c)();
    (await d)();
    expect(sem.inUse).toBe(0);
  });

  it('releases once however often the release function is called', async () => {
    const sem = new Semaphore(1);
    const a = await sem.acquire();
    const b = sem.acquire();
    a();
    a();
    const releaseB = await b;
    expect(sem.inUse).toBe(1);
    const c = sem.acquire();
    let cIn = false;
    void c.then(() => {
      cIn = true;
    });
    await tick();
    expect(cIn).toBe(false);
    releaseB();
    (await c)();
    expect(sem.inUse).toBe(0);
  });

  it('gives up a wait when its signal aborts, without taking a slot later', async () => {
    const sem = new Semaphore(1);
    const a = await sem.acquire();
    const ac = new AbortController();
    const waiting = sem.acquire(ac.signal);
    const next = sem.acquire();
    ac.abort(new Error('budget over'));
    await expect(waiting).rejects.toThrow('budget over');
    expect(sem.queued).toBe(1);
    a();
    (await next)();
    expect(sem.inUse).toBe(0);
    await expect(sem.acquire(ac.signal)).rejects.toThrow('budget over');
    expect(sem.inUse).toBe(0);
  });
});
