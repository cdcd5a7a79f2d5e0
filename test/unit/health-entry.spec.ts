/** Imports `path` in a fresh module registry where `@nestjs/terminus` cannot be loaded. */
async function importWithoutTerminus(path: string): Promise<unknown> {
  let error: unknown;
  await jest.isolateModulesAsync(async () => {
    jest.doMock('@nestjs/terminus', () => {
      throw Object.assign(new Error("Cannot find module '@nestjs/terminus'"), {
        code: 'MODULE_NOT_FOUND',
      });
    });
    error = await import(path).then(
      () => undefined,
      (e: unknown) => e,
    );
  });
  jest.dontMock('@nestjs/terminus');
  return error;
}

describe('the health indicator entry point', () => {
  it('is the only one that needs @nestjs/terminus', async () => {
    expect(await importWithoutTerminus('../../lib')).toBeUndefined();
    expect(String(await importWithoutTerminus('../../lib/health'))).toContain('@nestjs/terminus');
  });

  it('exports SessionHealthIndicator', async () => {
    const health = await import('../../lib/health');
    expect(typeof health.SessionHealthIndicator).toBe('function');
  });
});
