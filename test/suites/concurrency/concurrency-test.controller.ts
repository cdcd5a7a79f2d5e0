import { Controller, Get, Param, Query } from '@nestjs/common';
import { Session, type ServerSideSession } from '../../../lib';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const delay = (ms?: string) => sleep(Math.min(Number(ms ?? 0) || 0, 5000));

/** Routes that hold a loaded session for a while, to overlap with other requests on it. */
@Controller()
export class ConcurrencyTestController {
  @Get('put/:key')
  async put(
    @Session() session: ServerSideSession,
    @Param('key') key: string,
    @Query('ms') ms?: string,
  ) {
    await delay(ms);
    session.set(key, true);
    return { sid: session.sid };
  }

  /** Reads, then changes nothing: the save only refreshes. */
  @Get('idle')
  async idle(@Session() session: ServerSideSession, @Query('ms') ms?: string) {
    const keys = session.keys();
    await delay(ms);
    return { keys };
  }

  @Get('login')
  login(@Session() session: ServerSideSession) {
    session.set('user', 'ada');
    session.regenerate();
    return { sid: session.sid };
  }

  @Get('logout')
  logout(@Session() session: ServerSideSession) {
    session.destroy();
    return { ok: true };
  }

  @Get('read')
  read(@Session() session: ServerSideSession) {
    return { sid: session.sid, isNew: session.isNew, data: session.toJSON() };
  }
}
