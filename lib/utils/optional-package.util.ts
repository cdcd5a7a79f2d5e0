import { SessionConfigError } from '../session.errors';

export interface OptionalPackageNeed {
  /** The store that needs the package, as in `SESSION_TYPE`. */
  store: string;
  /** The option named in the error; default `type (SESSION_TYPE)`. */
  key?: string;
  /** What to `npm install`; default the package itself. */
  install?: string;
}

function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' || String(message).includes(`Cannot find module '${name}'`);
}

/**
 * Loads a backend client (an optional peer dependency) when its store is
 * chosen, so apps install only the client they use. A missing package fails
 * with a {@link SessionConfigError} that says what to install.
 */
export function loadOptionalPackage<T>(name: string, need: OptionalPackageNeed): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new SessionConfigError(
      need.key ?? 'type (SESSION_TYPE)',
      `the "${need.store}" store needs the ${name} package: npm install ${need.install ?? name}`,
    );
  }
}
