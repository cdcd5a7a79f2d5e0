import { Controller, Get, Inject, Query, type Type } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Session, type ServerSideSession, type SessionRow } from '../../../../lib';
import { SESSION_ENTITY } from './session-entity.token';

type Cart = { items?: string[] };

/** A shop cart in the session, next to the app's own TypeORM queries. */
@Controller()
export class CartController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SESSION_ENTITY) private readonly sessionEntity: Type<SessionRow>,
  ) {}

  @Get('cart')
  cart(@Session() session: ServerSideSession<Cart>) {
    return { sid: session.sid, items: session.get('items') ?? [] };
  }

  @Get('cart/add')
  add(@Session() session: ServerSideSession<Cart>, @Query('item') item: string) {
    session.set('items', [...(session.get('items') ?? []), item]);
    return { sid: session.sid, items: session.get('items') };
  }

  /** The session rows, read through the app's own repository of the session entity. */
  @Get('admin/sessions')
  async sessions(@Query('prefix') prefix: string) {
    const rows = await this.dataSource.getRepository(this.sessionEntity).find();
    return rows
      .filter((row) => row.session_id.startsWith(prefix))
      .map((row) => ({
        sessionId: row.session_id,
        bytes: row.data.length,
        expiry: row.expiry.toISOString(),
      }));
  }
}
