import { Controller, Get, NotFoundException, Query } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { Session, type ServerSideSession } from '../../../../lib';
import { PRODUCT, type Product } from './product.schema';
import { SESSION_COLLECTION } from './session-collection';

type Cart = { items?: string[]; total?: number };

/** A shop cart in the session, priced from the app's own mongoose model. */
@Controller()
export class CartController {
  constructor(
    @InjectModel(PRODUCT) private readonly products: Model<Product>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  @Get('cart')
  cart(@Session() session: ServerSideSession<Cart>) {
    return {
      sid: session.sid,
      items: session.get('items') ?? [],
      total: session.get('total') ?? 0,
    };
  }

  @Get('cart/add')
  async add(@Session() session: ServerSideSession<Cart>, @Query('sku') sku: string) {
    const product = await this.products.findOne({ sku }).lean();
    if (!product) throw new NotFoundException(`no product ${sku}`);
    session.set('items', [...(session.get('items') ?? []), sku]);
    session.set('total', (session.get('total') ?? 0) + product.price);
    return { sid: session.sid, items: session.get('items'), total: session.get('total') };
  }

  /** The session documents, read through the app's own connection. */
  @Get('admin/sessions')
  async sessions(@Query('prefix') prefix: string) {
    const docs = await this.connection.db!.collection(SESSION_COLLECTION).find({}).toArray();
    return docs
      .filter((doc) => String(doc._id).startsWith(prefix))
      .map((doc) => ({ id: doc._id, expiresAt: (doc.expiresAt as Date).toISOString() }));
  }
}
