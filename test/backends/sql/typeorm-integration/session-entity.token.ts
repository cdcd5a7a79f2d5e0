/** Injection token of the session entity class the app registered with TypeORM. */
export const SESSION_ENTITY = Symbol('SESSION_ENTITY');
