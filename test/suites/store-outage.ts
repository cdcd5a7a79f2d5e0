import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { SessionModuleOptions } from '../../lib';
import { SessionTestModule } from './session/session-test.module';
import { sessionCookie, setCookies } from '../utils/cookies';
import { retainedMemoryBytes } from '../utils/heap';
import { createApp, PLATFORMS, type Platform } from '../utils/platforms';
import type { ServerProcess } from '../utils/server-process';

/** The store's server as the outage tests drive it: a process of its own, or a proxy in front of one. */
export interface OutageServer extends Pick<ServerProcess, 'port' | 'stop'> {
  /** Stops answering but keeps connections open; default: SIGSTOP of the process. */
  pause?(): void;
  resume?(): void;
  child?: ServerProcess['child'];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface OutageOptions {
  /** Starts the store's server, on `port` when given (a restart), else on a free port. */
  start(port?: number): Promise<OutageServer>;
  /** Module options of a store on that server. */
  options(port: number): SessionModuleOptions;
  /** How long the client may take to notice that a server is back (its reconnection delay). */
  recoveryMs: number;
  /** The data outlives the outage (a proxy was cut, not the server): the session goes on. */
  keepsData?: boolean;
}

const STORE_TIMEOUT = 1000;
/** Writes sent while the server is down, and the size of each: 10 MiB if the client kept them. */
const QUEUED_WRITES = 40;
const WRITE_BYTES = 256 * 1024;
/** A client may hold a failed request's buffers briefly (sockets closing), not until the server returns. */
const RELEASE_MS = 5000;
/** Slack over `storeTimeout` for the request itself on a busy machine. */
const SLACK = 1500;

/**
 * The store's server fails while the app runs: session routes answer 503
 * within `storeTimeout`, other routes keep working, nothing is reported
 * saved that was not, failed writes are not kept in memory, and once the
 * server is back the same app works again.
 */
export function describeStoreOutage(name: string, outage: OutageOptions): void {
  describe.each(PLATFORMS)(`${name} outage over %s`, (platform: Platform) => {
    let server: OutageServer | undefined;
    let app: INestApplication | undefined;
    const http = () => request(app!.getHttpServer());
    const cookieOf = (res: request.Response) => `session=${sessionCookie(res.headers).value}`;

    const expectUnavailable = async (res: Promise<request.Response>) => {
      const started = Date.now();
      const answer = await res;
      expect(answer.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT + SLACK);
      expect(answer.body.message).toBe('Session store unavailable');
      expect(setCookies(answer.headers)).toEqual([]);
    };

    beforeEach(async () => {
      server = await outage.start();
      app = await createApp(
        platform,
        SessionTestModule.with({ ...outage.options(server.port), storeTimeout: STORE_TIMEOUT }),
      );
    });

    afterEach(async () => {
      await app?.close();
      await server?.stop();
    });

    it('answers 503 while the server is down and works again once it is back', async () => {
      const first = await http().get('/count').expect(200);
      const cookie = cookieOf(first);
      const port = server!.port;

      await server!.stop();
      await expectUnavailable(http().get('/count').set('Cookie', cookie)); // read fails
      await expectUnavailable(http().get('/count')); // a new session's write fails: no cookie
      await http().get('/plain').expect(200);

      // Failed writes are dropped, not queued for a server that may never come back.
      // The first round loads the client's error paths; the second must not add to it.
      const failWrites = async () => {
        const writes = await Promise.all(
          Array.from({ length: QUEUED_WRITES }, () => http().get(`/fill?size=${WRITE_BYTES}`)),
        );
        expect(writes.map((res) => res.status)).toEqual(writes.map(() => 503));
      };
      await failWrites();
      const before = await retainedMemoryBytes();
      await failWrites();
      const limit = before + (QUEUED_WRITES * WRITE_BYTES) / 4;
      expect(await retainedMemoryBytes(limit, RELEASE_MS)).toBeLessThan(limit);

      server = await outage.start(port);
      await sleep(outage.recoveryMs);
      // A restarted server keeps nothing, so the session starts over, in the same app.
      const after = await http().get('/count').set('Cookie', cookie).expect(200);
      if (outage.keepsData) expect(after.body).toEqual({ count: 2, sid: first.body.sid });
      else expect(after.body.count).toBe(1);
      const next = await http().get('/count').set('Cookie', cookieOf(after)).expect(200);
      expect(next.body).toEqual({ count: after.body.count + 1, sid: after.body.sid });
    });

    it('answers 503 within storeTimeout while the server hangs, and resumes with it', async () => {
      const first = await http().get('/count').expect(200);
      const cookie = cookieOf(first);
      const hung = server!;
      if (hung.pause) hung.pause();
      else await stopped(hung.child!);
      try {
        await expectUnavailable(http().get('/count').set('Cookie', cookie));
        await http().get('/plain').expect(200);
      } finally {
        if (hung.resume) hung.resume();
        else hung.child!.kill('SIGCONT');
      }
      await sleep(outage.recoveryMs);
      const after = await http().get('/count').set('Cookie', cookie).expect(200);
      expect(after.body).toEqual({ count: 2, sid: first.body.sid });
    });
  });
}

/**
 * Stops `child` with SIGSTOP and returns once it is stopped: the signal is
 * delivered asynchronously, and a server still running reads the next request
 * (then its write lands after the 503, when the server resumes).
 */
async function stopped(child: ChildProcess): Promise<void> {
  child.kill('SIGSTOP');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    if (/^[tT]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3))) return;
    await sleep(5);
  }
  throw new Error(`process ${child.pid} did not stop within 5 s`);
}
