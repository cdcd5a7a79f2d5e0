import type { ServerResponse } from 'node:http';
import { linkResponse, makeResponsesHoldable } from '../core/response-hold';
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

interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (request: object, reply: { raw: ServerResponse }, done: () => void) => void,
  ): unknown;
}

/**
 * A Fastify request does not know its reply, so that a guard's
 * `sessions.open(request)` can be saved by the response, every request is
 * linked to its Node response: one assignment, the only session work a
 * Fastify route that never opens a session does.
 */
export function linkFastifyResponses(instance: FastifyLike): void {
  instance.addHook('onRequest', (request, reply, done) => {
    linkResponse(request, reply.raw);
    done();
  });
}

/** Lets the responses of an Express app be held by their session without methods of their own. */
export function prepareExpressResponses(app: { response?: ServerResponse }): void {
  if (app.response) makeResponsesHoldable(app.response);
}
