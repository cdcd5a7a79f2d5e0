import type { SessionInterface } from '../core/session-interface';

/** The session interface of each app, by its Express app or Fastify instance. */
const sessionsByApp = new WeakMap<object, SessionInterface>();

export function registerAppSessions(app: object, sessions: SessionInterface): void {
  sessionsByApp.set(app, sessions);
}

/**
 * The session interface of the app serving `request`: Express requests name
 * their app (`req.app`), Fastify requests their instance (`request.server`,
 * which inside a plugin inherits from the root instance).
 */
export function appSessionsOf(request: object): SessionInterface | undefined {
  const { app, server } = request as { app?: object; server?: object };
  for (
    let owner = app ?? server;
    owner;
    owner = Object.getPrototypeOf(owner) as object | undefined
  ) {
    const sessions = sessionsByApp.get(owner);
    if (sessions) return sessions;
  }
  return undefined;
}
