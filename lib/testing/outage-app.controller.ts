import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { ServerSideSession } from '../core/server-side-session';
import { Session } from '../session.decorator';

/**
 * Holds `/rotate` between its read and its write, so a test can hang the
 * store's server in between: the write, not the read, then meets the outage.
 */
export class OutageGate {
  private entered!: () => void;
  private release!: () => void;
  /** Resolves once a `/rotate` handler has loaded its session. */
  reached = new Promise<void>((resolve) => (this.entered = resolve));
  private released = new Promise<void>((resolve) => (this.release = resolve));

  /** Lets the held handler go on to its write. */
  open(): void {
    this.release();
  }

  async pass(): Promise<void> {
    this.entered();
    await this.released;
  }
}

type Data = { count?: number; blob?: string };

/** The routes the outage suite drives. */
@Controller()
export class OutageAppController {
  constructor(@Inject(OutageGate) private readonly gate: OutageGate) {}

  @Get('plain')
  plain() {
    return { ok: true };
  }

  @Get('count')
  count(@Session() session: ServerSideSession<Data>) {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return { count, sid: session.sid };
  }

  /** Reads the session and changes nothing. */
  @Get('peek')
  peek(@Session() session: ServerSideSession<Data>) {
    return { count: session.get('count') ?? 0, sid: session.sid };
  }

  @Get('fill')
  fill(@Session() session: ServerSideSession<Data>, @Query('size') size: string) {
    session.set('blob', 'x'.repeat(Number(size)));
    return { sid: session.sid };
  }

  /** A login: the session moves to a new id (stored first, then the old one is deleted). */
  @Get('rotate')
  async rotate(@Session() session: ServerSideSession<Data>) {
    const count = (session.get('count') ?? 0) + 1;
    await this.gate.pass();
    session.regenerate();
    session.set('count', count);
    return { count, sid: session.sid };
  }
}
