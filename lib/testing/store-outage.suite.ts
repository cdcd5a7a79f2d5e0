import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { SessionModuleOptions } from '../interfaces';
import { retainedMemoryBytes } from './heap.util';
import { httpGet, type HttpAnswer } from './http-client.util';
import { OutageGate } from './outage-app.controller';
import { OutageAppModule } from './outage-app.module';
import { pauseProcess, type ServerProcess } from './server-process.util';

/** The store's server as the outage suite drives it: a process of its own, or a proxy in front of one. */
export interface OutageServer extends Pick<ServerProcess, 'port' | 'stop'> {
  /** Stops answering but keeps connections open; default: SIGSTOP of `child`. */
  pause?(): void | Promise<void>;
  resume?(): void | Promise<void>;
  child?: ServerProcess['child'];
}

/** An HTTP platform to run the suite's app on; default Express (`NestFactory.create`). */
export interface OutagePlatform {
  name: string;
  create(module: DynamicModule): Promise<INestApplication>;
}

export interface SessionStoreOutageOptions {
  /** Starts the store's server, on `port` when given (a restart), else on a free port. */
  start(port?: number): Promise<OutageServer>;
  /** Module options of a store on that server. */
  options(port: number): SessionModuleOptions;
  /** Longest the client may take to notice that a server is back (its reconnection delay). */
  recoveryMs?: number;
  /** The data outlives the outage (a proxy was cut, not the server): the session goes on. */
  keepsData?: boolean;
  platforms?: OutagePlatform[];
}

const EXPRESS: OutagePlatform = {
  name: 'express',
  create: (module) => NestFactory.create(module, { logger: false }),
};
const STORE_TIMEOUT = 1000;
/** Writes sent while the server is down, and the size of each: 10 MiB if the client kept them. */
const QUEUED_WRITES = 40;
const WRITE_BYTES = 256 * 1024;
/** A client may hold a failed request's buffers briefly (sockets closing), not until the server returns. */
const RELEASE_MS = 5000;
/** Slack over `storeTimeout` for the request itself on a busy machine. */
const SLACK = 1500;
/** Slack over `recoveryMs` for the first request that reaches the server again. */
const RECOVERY_SLACK = 10_000;
/** How long a server just started may take to serve its first session (a table to create…). */
const STARTUP_MS = 30_000;
/** A case waits for startup, timeouts and recovery. */
const CASE_MS = 120_000;

/**
 * The store's server fails while the app runs: session routes answer 503
 * within `storeTimeout`, other routes keep working, nothing is reported
 * saved that was not, failed writes are not kept in memory, a write that
 * hangs and lands after its 503 keeps the previous session, and once the
 * server is back the same app works again.
 */
export function describeSessionStoreOutage(name: string, outage: SessionStoreOutageOptions): void {
  const platforms = outage.platforms ?? [EXPRESS];
  describe.each(platforms)(`${name} outage over $name`, (platform: OutagePlatform) => {
    let server: OutageServer | undefined;
    let app: INestApplication | undefined;
    let base = '';
    let gate: OutageGate;
    let cookieName = 'session';
    const get = (path: string, cookie?: string) => httpGet(base, path, cookie);
    const cookieOf = (res: HttpAnswer) => {
      const found = res.cookies.filter((c) => c.startsWith(`${cookieName}=`));
      expect(found).toHaveLength(1);
      return found[0];
    };

    const expectUnavailable = async (res: Promise<HttpAnswer>, started = Date.now()) => {
      const answer = await res;
      expect(answer.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT + SLACK);
      expect(answer.body?.message).toBe('Session store unavailable');
      expect(answer.cookies).toEqual([]);
    };

    /** Asks until the store serves (a server just started may be slow to answer at first). */
    const served = async (ask: () => Promise<HttpAnswer>, withinMs: number) => {
      const deadline = Date.now() + withinMs;
      let last = await ask();
      while (last.status !== 200 && Date.now() < deadline) last = await ask();
      expect(last.status).toBe(200);
      return last;
    };
    /** The first session of a test, once the fresh server answers. */
    const firstSession = () => served(() => get('/count'), STARTUP_MS);
    /** Waits, without writing, until a session route is served again. */
    const recovered = (cookie: string) =>
      served(() => get('/peek', cookie), (outage.recoveryMs ?? 0) + RECOVERY_SLACK);

    const hang = async (target: OutageServer) => {
      if (target.pause) await target.pause();
      else await pauseProcess(target.child!);
    };
    const resume = async (target: OutageServer) => {
      if (target.resume) await target.resume();
      else target.child!.kill('SIGCONT');
    };

    beforeEach(async () => {
      server = await outage.start();
      gate = new OutageGate();
      const options = { ...outage.options(server.port), storeTimeout: STORE_TIMEOUT };
      cookieName = ('cookie' in options && options.cookie?.name) || 'session';
      app = await platform.create(OutageAppModule.with(options, gate));
      await app.listen(0, '127.0.0.1');
      base = await app.getUrl();
    }, CASE_MS);

    afterEach(async () => {
      await app?.close();
      await server?.stop();
    }, CASE_MS);

    it(
      'answers 503 while the server is down and works again once it is back',
      async () => {
        const first = await firstSession();
        const cookie = cookieOf(first);
        const port = server!.port;

        await server!.stop();
        await expectUnavailable(get('/count', cookie)); // read fails
        await expectUnavailable(get('/count')); // a new session's write fails: no cookie
        expect((await get('/plain')).status).toBe(200);

        // Failed writes are dropped, not queued for a server that may never come back.
        // The first round loads the client's error paths; the second must not add to it.
        const failWrites = async () => {
          const writes = await Promise.all(
            Array.from({ length: QUEUED_WRITES }, () => get(`/fill?size=${WRITE_BYTES}`)),
          );
          expect(writes.map((res) => res.status)).toEqual(writes.map(() => 503));
        };
        await failWrites();
        const before = await retainedMemoryBytes();
        await failWrites();
        const limit = before + (QUEUED_WRITES * WRITE_BYTES) / 4;
        expect(await retainedMemoryBytes(limit, RELEASE_MS)).toBeLessThan(limit);

        server = await outage.start(port);
        await recovered(cookie);
        // A restarted server keeps nothing, so the session starts over, in the same app. It may
        // take a moment to accept writes (a table created again); a write failed meanwhile was
        // for a new id no client holds. Where the data was kept, one write must do.
        const after = outage.keepsData
          ? await get('/count', cookie)
          : await served(() => get('/count', cookie), RECOVERY_SLACK);
        expect(after.status).toBe(200);
        if (outage.keepsData) expect(after.body).toEqual({ count: 2, sid: first.body?.sid });
        else expect(after.body?.count).toBe(1);
        const next = await get('/count', cookieOf(after));
        expect(next.body).toEqual({ count: Number(after.body?.count) + 1, sid: after.body?.sid });
      },
      CASE_MS,
    );

    it(
      'answers 503 within storeTimeout while the server hangs, and resumes with it',
      async () => {
        const first = await firstSession();
        const cookie = cookieOf(first);
        const hung = server!;
        await hang(hung);
        try {
          await expectUnavailable(get('/count', cookie));
          expect((await get('/plain')).status).toBe(200);
        } finally {
          await resume(hung);
        }
        await recovered(cookie);
        const after = await get('/count', cookie);
        expect(after.body).toEqual({ count: 2, sid: first.body?.sid });
      },
      CASE_MS,
    );

    it(
      'answers 503 when a write hangs, and keeps the previous session when it lands late',
      async () => {
        const first = await firstSession();
        const cookie = cookieOf(first);
        const rotating = get('/rotate', cookie);
        await gate.reached; // the session is read; its new id is not stored yet
        const hung = server!;
        await hang(hung);
        const released = Date.now();
        gate.open();
        try {
          await expectUnavailable(rotating, released);
        } finally {
          await resume(hung);
        }
        // The new entry reaches the server now, after its 503; the old id must have been kept.
        await recovered(cookie);
        const after = await get('/count', cookie);
        expect(after.body).toEqual({ count: 2, sid: first.body?.sid });
      },
      CASE_MS,
    );
  });
}
