/** Where the app keeps its sessions: a collection of its own database. */
export const SESSION_COLLECTION = 'web_sessions';
