import { Controller, Get, Res } from '@nestjs/common';
import { Session, type ServerSideSession } from '../../../lib';

const tick = () => new Promise((resolve) => setImmediate(resolve));

@Controller()
export class UnawaitedSaveController {
  /** Starts a save, changes the session while it runs, and returns: the automatic save follows. */
  @Get('unawaited')
  unawaited(@Session() session: ServerSideSession): { sid: string } {
    session.set('first', 1);
    void session.save();
    session.set('second', 2);
    return { sid: session.sid };
  }

  /** Two overlapping explicit saves around a regenerate, then the automatic save. */
  @Get('overlapping')
  async overlapping(@Session() session: ServerSideSession): Promise<{ sid: string }> {
    session.set('user', 'ada');
    const first = session.save();
    session.regenerate();
    const second = session.save();
    await Promise.all([first, second]);
    await tick();
    return { sid: session.sid };
  }

  /** Saves twice with nothing changed in between. */
  @Get('twice')
  async twice(@Session() session: ServerSideSession): Promise<{ sid: string }> {
    session.set('n', 1);
    await session.save();
    await session.save();
    return { sid: session.sid };
  }

  /** A handler writing the response itself after an unawaited save. */
  @Get('raw')
  raw(
    @Session() session: ServerSideSession,
    @Res() response: { status(code: number): { send(body: string): void } },
  ): void {
    session.set('raw', true);
    void session.save().then(() => response.status(200).send('ok'));
  }
}
