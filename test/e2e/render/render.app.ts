import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Render,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  Session,
  SessionInterface,
  SessionModule,
  type ServerSideSession,
  type SessionRequest,
} from '../../../lib';

const VIEWS = path.join(__dirname, 'views');

/** A template engine of one rule: `{{name}}` becomes the value of `name`. */
function renderFile(file: string, data: object): string {
  return readFileSync(file, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) =>
    String((data as Record<string, unknown>)[key] ?? ''),
  );
}

/** Sets up `@Render()`: Express with the engine above, Fastify with a `reply.view()` using it. */
export function useViews(app: NestExpressApplication | NestFastifyApplication): void {
  if (app.getHttpAdapter().getType() === 'express') {
    const express = app as NestExpressApplication;
    express.engine(
      'html',
      (file: string, data: object, done: (e: unknown, html?: string) => void) =>
        done(null, renderFile(file, data)),
    );
    express.setBaseViewsDir(VIEWS);
    express.setViewEngine('html');
    return;
  }
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  fastify.decorateReply(
    'view',
    function (this: { type(t: string): { send(b: string): unknown } }, name: string, data: object) {
      return this.type('text/html; charset=utf-8').send(
        renderFile(path.join(VIEWS, `${name}.html`), data),
      );
    },
  );
}

/** Counts the visits of every page in the session. */
@Injectable()
export class VisitGuard implements CanActivate {
  constructor(private readonly sessions: SessionInterface) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.open(context.switchToHttp().getRequest<SessionRequest>());
    session.set('visits', ((session.get('visits') as number | undefined) ?? 0) + 1);
    return true;
  }
}

@Controller()
@UseGuards(VisitGuard)
export class RenderController {
  @Get('page')
  @Render('page')
  page(@Session() session: ServerSideSession) {
    session.set('user', 'ada');
    return { user: 'ada', visits: session.get('visits') };
  }

  /** Takes no session: only the guard writes to it. */
  @Get('welcome')
  @Render('page')
  welcome() {
    return { user: 'guest', visits: '?' };
  }
}

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [RenderController],
  providers: [VisitGuard],
})
export class RenderModule {}
