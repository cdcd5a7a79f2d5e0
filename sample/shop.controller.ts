import { Body, Controller, Get, Header, Inject, Post, Redirect } from '@nestjs/common';
import { Session, type ServerSideSession } from '../lib';
import { renderPage } from './pages';
import { SAMPLE_STORE_NAME } from './sample.constants';

interface ShopSession {
  user: string;
  visits: number;
  cart: string[];
}

const MAX_ITEMS = 50;

@Controller()
export class ShopController {
  constructor(@Inject(SAMPLE_STORE_NAME) private readonly store: string) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  home(@Session() session: ServerSideSession<ShopSession>): string {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return renderPage({
      user: session.get('user'),
      visits,
      cart: session.get('cart') ?? [],
      store: this.store,
    });
  }

  @Post('login')
  @Redirect('/', 303)
  login(@Session() session: ServerSideSession<ShopSession>, @Body('name') name: unknown): void {
    if (typeof name !== 'string' || !name.trim()) return;
    // A new id at login: an id seen before signing in is worthless after it.
    session.regenerate();
    session.set('user', name.trim().slice(0, 40));
  }

  @Post('cart')
  @Redirect('/', 303)
  add(@Session() session: ServerSideSession<ShopSession>, @Body('item') item: unknown): void {
    if (typeof item !== 'string' || !item.trim()) return;
    const cart = session.get('cart') ?? [];
    if (cart.length < MAX_ITEMS) cart.push(item.trim().slice(0, 40));
    session.set('cart', cart);
  }

  @Post('logout')
  @Redirect('/', 303)
  logout(@Session() session: ServerSideSession<ShopSession>): void {
    session.destroy();
  }
}
