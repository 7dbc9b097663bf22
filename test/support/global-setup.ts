import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../shared/config.ts';
import { startLocalServices } from '../../shared/local-services/index.ts';

/** Starts MongoDB-compatible, Redis and OpenLDAP servers once per test run; test files get them by inject(). */
export default async function setup(project: TestProject) {
  const services = await startLocalServices(loadConfig());
  console.log(`test services: ${services.mongo.describe}; ${services.redis.describe}; ${services.ldap.describe}`);
  project.provide('services', {
    mongoUri: services.mongo.uri,
    mongoKind: services.mongo.kind,
    redisUrl: services.redis.url,
    ldap: {
      url: services.ldap.url,
      ldapsUrl: services.ldap.ldapsUrl ?? '',
      caFile: services.ldap.caFile ?? '',
      bindDn: services.ldap.bindDn ?? '',
      bindPassword: services.ldap.bindPassword ?? '',
      userBase: services.ldap.userBase ?? '',
      roleBindings: services.ldap.roleBindings ?? '',
      rootDn: services.ldap.rootDn ?? '',
      rootPassword: services.ldap.rootPassword ?? '',
    },
  });
  return () => services.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: {
      mongoUri: string;
      mongoKind: string;
      redisUrl: string;
      ldap: {
        url: string;
        ldapsUrl: string;
        caFile: string;
        bindDn: string;
        bindPassword: string;
        userBase: string;
        roleBindings: string;
        rootDn: string;
        rootPassword: string;
      };
    };
  }
}
