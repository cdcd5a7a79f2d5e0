import { Controller, Get, Module, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Session, SessionModule, type ServerSideSession } from '../../../lib';

/** What a handler gets from `@Res()`: an Express response or a Fastify reply. */
interface AnyResponse {
  raw?: ServerResponse;
  status(code: number): AnyResponse;
  send(body: string): unknown;
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

const rawOf = (response: AnyResponse) => response.raw ?? (response as unknown as ServerResponse);
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

@Controller()
export class ResWithoutSaveController {
  /** Answers through the framework, never calling save(). */
  @Get('send')
  send(@Session() session: ServerSideSession, @Res() response: AnyResponse): void {
    session.set('sent', true);
    response.status(201).send('done');
  }

  /** `passthrough`: Nest still answers with the returned value. */
  @Get('passthrough')
  passthrough(
    @Session() session: ServerSideSession,
    @Res({ passthrough: true }) response: AnyResponse,
  ) {
    session.set('passed', true);
    if (response.header) response.header('x-handler', 'yes');
    else response.setHeader!('x-handler', 'yes');
    return { ok: true };
  }

  /** Writes the Node response itself, and changes the session between two chunks. */
  @Get('stream')
  async stream(@Session() session: ServerSideSession, @Res() response: AnyResponse) {
    const raw = rawOf(response);
    raw.setHeader('content-type', 'text/plain');
    raw.write('first,');
    await tick();
    session.set('streamed', true);
    raw.end('second');
  }
}

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [ResWithoutSaveController],
})
export class ResWithoutSaveModule {}
