import { Controller, Get, Query } from '@nestjs/common';
import { Session, type ServerSideSession } from '../../../lib';

/** Stores `kb` KiB in the session, to reach a store's size limit. */
@Controller()
export class BlobController {
  @Get('blob')
  blob(@Session() session: ServerSideSession, @Query('kb') kb: string) {
    session.set('blob', 'x'.repeat(Number(kb) * 1024));
    return { sid: session.sid };
  }
}
