import {
  Catch,
  Controller,
  Get,
  Injectable,
  Module,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import {
  Session,
  SessionInterface,
  SessionModule,
  type ServerSideSession,
  type SessionRequest,
} from '../../../lib';

export class OutOfStockError extends Error {}

interface AnyResponse {
  status(code: number): AnyResponse;
  send(body: string): unknown;
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** Notes the failure in the session and answers 409 itself, on Express and Fastify alike. */
@Catch(OutOfStockError)
@Injectable()
export class OutOfStockFilter implements ExceptionFilter {
  constructor(private readonly sessions: SessionInterface) {}

  async catch(error: OutOfStockError, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const session = await this.sessions.open(http.getRequest<SessionRequest>());
    session.set('lastError', error.message);
    const response = http.getResponse<AnyResponse>();
    if (response.header) response.header('content-type', 'application/json');
    else response.setHeader!('Content-Type', 'application/json');
    response.status(409).send(JSON.stringify({ error: error.message }));
  }
}

@Controller()
@UseFilters(OutOfStockFilter)
export class ExceptionFilterController {
  /** Writes to the session, then fails: both writes (handler's, filter's) are stored. */
  @Get('buy')
  buy(@Session() session: ServerSideSession): never {
    session.set('cart', ['apple']);
    throw new OutOfStockError('apple');
  }

  /** Takes no session: only the filter opens it. */
  @Get('reserve')
  reserve(): never {
    throw new OutOfStockError('pear');
  }
}

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [ExceptionFilterController],
  providers: [OutOfStockFilter],
})
export class ExceptionFilterModule {}
