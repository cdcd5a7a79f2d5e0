import type { ModuleRef } from '@nestjs/core';
import type { SessionModuleOptions } from '../../lib';

type Factory = typeof import('../../lib/session.providers');

/** Builds the interface with `pkg` failing to load as `failure` says, in a fresh module registry. */
async function buildWithout(
  pkg: string,
  options: SessionModuleOptions,
  failure: Error,
): Promise<unknown> {
  let error: unknown;
  await jest.isolateModulesAsync(async () => {
    jest.doMock(pkg, () => {
      throw failure;
    });
    const { createSessionInterface }: Factory = await import('../../lib/session.providers');
    error = await createSessionInterface(options, {} as ModuleRef).then(
      () => new Error('built without its package'),
      (e: unknown) => e,
    );
  });
  jest.dontMock(pkg);
  return error;
}

const missing = (pkg: string) =>
  Object.assign(new Error(`Cannot find module '${pkg}'`), { code: 'MODULE_NOT_FOUND' });

describe('backend client packages are loaded only when their store is chosen', () => {
  it.each<[string, SessionModuleOptions & { type: string }]>([
    ['ioredis', { type: 'redis', url: 'redis://127.0.0.1:1' }],
    ['memjs', { type: 'memcached', servers: '127.0.0.1:1' }],
    ['@elastic/elasticsearch', { type: 'elasticsearch' }],
    ['@google-cloud/datastore', { type: 'datastore' }],
    ['mongoose', { type: 'mongodb', url: 'mongodb://127.0.0.1:1' }],
    ['@aws-sdk/client-dynamodb', { type: 'dynamodb' }],
    ['@google-cloud/firestore', { type: 'firestore' }],
  ])(
    'without %s, startup fails naming SESSION_TYPE and the install command',
    async (pkg, options) => {
      const error = await buildWithout(pkg, options, missing(pkg));
      expect((error as Error).name).toBe('SessionConfigError');
      expect(String(error)).toContain(`type (SESSION_TYPE): the "${options.type}" store needs`);
      expect(String(error)).toContain(`npm install ${pkg}`);
    },
  );

  it('lets any other load failure of the package through as it is', async () => {
    const error = await buildWithout(
      'ioredis',
      { type: 'redis', url: 'redis://127.0.0.1:1' },
      new Error('native binding failed'),
    );
    expect((error as Error).name).toBe('Error');
    expect((error as Error).message).toBe('native binding failed');
  });
});
