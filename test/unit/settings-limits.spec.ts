import { Logger } from '@nestjs/common';
import {
  MemoryStore,
  ServerSideSessionInterface,
  SessionConfigError,
  sessionOptionsFromConfig,
  type CommonSessionOptions,
} from '../../lib';

/** Settings are resolved (and warned about) by the interface's constructor. */
const build = (options: object) =>
  new ServerSideSessionInterface(new MemoryStore(), options as CommonSessionOptions);

function configError(run: () => unknown): SessionConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigError);
    return error as SessionConfigError;
  }
  throw new Error('expected a SessionConfigError');
}

describe('a short secret', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('starts with one warning when nothing is signed (a Flask SECRET_KEY used for other things)', () => {
    const options = sessionOptionsFromConfig({ SESSION_TYPE: 'memory', SECRET_KEY: 'changeme' });
    expect(() => build(options)).not.toThrow();
    const messages = warn.mock.calls.map(([message]) => String(message));
    const short = messages.filter((message) => message.includes('SECRET_KEY'));
    expect(short).toHaveLength(1);
    expect(short[0]).toMatch(/secret \(SECRET_KEY\) is 8 bytes: under 32 bytes/);
    expect(short[0]).not.toContain('changeme');
  });

  it('names every short entry in the one warning', () => {
    build({ secret: ['a'.repeat(32), 'short', 'tiny'] });
    const short = warn.mock.calls
      .map(([message]) => String(message))
      .filter((message) => message.includes('SECRET_KEY'));
    expect(short).toEqual([
      expect.stringMatching(
        /^secret\[1\] \(SECRET_KEY_FALLBACKS\) is 5 bytes, secret\[2\] \(SECRET_KEY_FALLBACKS\) is 4 bytes: /,
      ),
    ]);
  });

  it('says nothing of a long enough secret', () => {
    build({ secret: 'k'.repeat(32) });
    expect(warn.mock.calls.filter(([m]) => String(m).includes('SECRET_KEY'))).toEqual([]);
  });

  it('still fails startup with useSigner, and a secret that is no string fails either way', () => {
    const error = configError(() => build({ useSigner: true, secret: 'changeme' }));
    expect(error.key).toBe('secret (SECRET_KEY)');
    expect(error.message).toMatch(/at least 32 bytes, got 8 bytes$/);
    expect(configError(() => build({ secret: 42 as never })).message).toMatch(/got number$/);
  });
});

describe('storeTimeout', () => {
  it.each([0, -1, 1.5, 2 ** 31, Number.MAX_SAFE_INTEGER, Infinity, NaN])(
    'refuses %p, naming the key',
    (storeTimeout) => {
      const error = configError(() => build({ storeTimeout }));
      expect(error.key).toBe('storeTimeout (SESSION_STORE_TIMEOUT)');
      expect(error.message).toMatch(/expected an integer from 1 to 2147483647, got/);
    },
  );

  it('refuses a timer Node would fire at once, from configuration too', () => {
    const options = sessionOptionsFromConfig({
      SESSION_TYPE: 'memory',
      SESSION_STORE_TIMEOUT: String(2 ** 31),
    });
    expect(configError(() => build(options)).message).toBe(
      'storeTimeout (SESSION_STORE_TIMEOUT): expected an integer from 1 to 2147483647, got 2147483648',
    );
  });

  it.each([1, 2 ** 31 - 1])('accepts %p ms', (storeTimeout) => {
    expect(() => build({ storeTimeout })).not.toThrow();
  });
});
