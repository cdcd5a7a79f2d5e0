const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The document around a page's body (the body is HTML, already escaped). */
export function layout(body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>nestjs-server-session sample</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;line-height:1.5}
form{margin:.5rem 0}code{background:#eee;padding:0 .3rem}</style></head>
<body>
${body}
</body>
</html>`;
}

export interface PageModel {
  user?: string;
  visits: number;
  cart: string[];
  store: string;
}

export function renderPage({ user, visits, cart, store }: PageModel): string {
  const items = cart.length
    ? `<ul id="cart">${cart.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`
    : '<p id="cart">Your cart is empty.</p>';
  const account = user
    ? `<p id="greeting">Signed in as <strong>${escapeHtml(user)}</strong></p>
       <p><a id="account" href="/account">Your devices</a></p>
       <form method="post" action="/logout"><button id="logout">Log out</button></form>`
    : `<form method="post" action="/login">
         <label>Name <input id="name" name="name" required maxlength="40"></label>
         <button id="login">Log in</button>
       </form>`;
  return layout(`<h1>Shop</h1>
<p>Session store: <code id="store">${escapeHtml(store)}</code></p>
<p id="visits">Visits this session: ${visits}</p>
${account}
<h2>Cart</h2>
${items}
<form method="post" action="/cart">
  <label>Item <input id="item" name="item" required maxlength="40"></label>
  <button id="add">Add to cart</button>
</form>`);
}
