import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/** What a session needs of a request, on Express and Fastify alike. */
export interface SessionRequest {
  headers: IncomingHttpHeaders;
}

export interface FastifyReplyLike {
  raw: ServerResponse;
  sent: boolean;
  getHeader(name: string): unknown;
  header(name: string, value: unknown): unknown;
  removeHeader(name: string): unknown;
}

/** An Express response, a Fastify reply, or a plain Node `ServerResponse`. */
export type SessionResponse = ServerResponse | FastifyReplyLike;
