import { Body, Controller, Get, Header, Inject, Post, Redirect } from '@nestjs/common';
import { Session } from '../lib';
import { renderPage } from './pages';
import { SAMPLE_STORE_NAME, SAMPLE_USERS } from './sample.constants';
import { signedInUser, type SampleSession, type SampleUsers } from './sample-session';

const MAX_ITEMS = 50;

@Controller()
export class ShopController {
  constructor(
    @Inject(SAMPLE_STORE_NAME) private readonly store: string,
    @Inject(SAMPLE_USERS) private readonly users: SampleUsers,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  home(@Session() session: SampleSession): string {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return renderPage({
      user: signedInUser(session, this.users.key),
      visits,
      cart: session.get('cart') ?? [],
      store: this.store,
    });
  }

  @Post('login')
  @Redirect('/', 303)
  login(@Session() session: SampleSession, @Body('name') name: unknown): void {
    if (typeof name !== 'string' || !name.trim()) return;
    // A new id at login: an id seen before signing in is worthless after it.
    session.regenerate();
    // The user key makes the store index this session under the name (the account page).
    session.set(this.users.key, name.trim().slice(0, 40));
  }

  @Post('cart')
  @Redirect('/', 303)
  add(@Session() session: SampleSession, @Body('item') item: unknown): void {
    if (typeof item !== 'string' || !item.trim()) return;
    const cart = session.get('cart') ?? [];
    if (cart.length < MAX_ITEMS) cart.push(item.trim().slice(0, 40));
    session.set('cart', cart);
  }

  @Post('logout')
  @Redirect('/', 303)
  logout(@Session() session: SampleSession): void {
    session.destroy();
  }
}
