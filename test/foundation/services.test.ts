import { Redis } from 'ioredis';
import { Client } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { DEMO_USERS, groupDn, userDn } from '../../shared/local-services/ldap-directory.ts';
import { services, testDb } from '../support/services.ts';

describe('local services', () => {
  it('MongoDB-compatible server stores and finds documents with a unique index', async () => {
    const { db } = await testDb();
    const col = db.collection('probe');
    await col.createIndex({ name: 1 }, { unique: true });
    await col.insertMany([
      { name: 'a', n: 1 },
      { name: 'b', n: 2 },
    ]);
    expect(await col.findOne({ name: 'b' })).toMatchObject({ n: 2 });
    await expect(col.insertOne({ name: 'a' })).rejects.toMatchObject({ code: 11000 });
  });

  it('Redis answers and expires keys', async () => {
    const redis = new Redis(services().redisUrl);
    try {
      expect(await redis.set('probe', 'x', 'PX', 50, 'NX')).toBe('OK');
      expect(await redis.set('probe', 'y', 'PX', 50, 'NX')).toBeNull();
      await new Promise((r) => setTimeout(r, 80));
      expect(await redis.get('probe')).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('slapd holds the demo directory with memberOf filled in', async () => {
    const { ldap } = services();
    const client = new Client({ url: ldap.url });
    try {
      await client.bind(ldap.bindDn, ldap.bindPassword);
      const { searchEntries } = await client.search(userDn('admin'), { scope: 'base', attributes: ['memberOf'] });
      expect([searchEntries[0]?.memberOf].flat()).toEqual([groupDn('strata-admins')]);
      const user = DEMO_USERS.find((u) => u.uid === 'auditor')!;
      const asUser = new Client({ url: ldap.url });
      await asUser.bind(userDn(user.uid), user.password);
      await asUser.unbind();
      await expect(new Client({ url: ldap.url }).bind(userDn(user.uid), 'wrong')).rejects.toMatchObject({ code: 49 });
    } finally {
      await client.unbind();
    }
  });
});
