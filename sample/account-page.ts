import { escapeHtml, layout } from './pages';

/** One of the user's sessions, as the page shows it: no session id, only an opaque handle. */
export interface DeviceModel {
  /** Refers to the session in the sign-out form; the server maps it back. */
  handle: string;
  createdAt: Date;
  lastSeenAt: Date;
  current: boolean;
}

export interface AccountPageModel {
  user: string;
  devices: DeviceModel[];
  /** What the last action did, shown once. */
  notice?: string;
  now?: Date;
}

const ABSOLUTE = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** "3 minutes ago", from the largest whole unit. */
export function ago(when: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - when.getTime()) / 1000));
  if (seconds < 60) return 'just now';
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ] as const) {
    const count = Math.floor(seconds / size);
    if (count >= 1) return `${count} ${unit}${count === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** A time a reader can take in: relative, with the UTC date and time beside it. */
function time(when: Date, now: Date): string {
  return `<time datetime="${when.toISOString()}">${ago(when, now)}</time> <small>(${escapeHtml(ABSOLUTE.format(when))} UTC)</small>`;
}

function device(d: DeviceModel, index: number, now: Date): string {
  const name = d.current
    ? `<strong class="this-device">this device</strong>`
    : `Device ${index + 1}`;
  const action = d.current
    ? ''
    : `<form method="post" action="/account/sign-out/${encodeURIComponent(d.handle)}">
         <button class="sign-out-device">Sign out this device</button>
       </form>`;
  return `<li class="device${d.current ? ' current' : ''}">${name}<br>
  Signed in ${time(d.createdAt, now)}<br>
  Last seen ${time(d.lastSeenAt, now)}${action}</li>`;
}

export function renderAccountPage({
  user,
  devices,
  notice,
  now = new Date(),
}: AccountPageModel): string {
  const count = `Signed in on ${devices.length} device${devices.length === 1 ? '' : 's'}`;
  const others = devices.some((d) => !d.current)
    ? `<form method="post" action="/account/sign-out-others">
  <button id="sign-out-others">Sign out everywhere else</button>
</form>`
    : '<p id="only-device">No other device is signed in.</p>';
  return layout(`<h1>Your devices</h1>
<p><a id="home" href="/">Back to the shop</a></p>
<p>Account: <strong id="account-user">${escapeHtml(user)}</strong></p>
${notice ? `<p id="notice" role="status">${escapeHtml(notice)}</p>` : ''}
<p id="device-count">${count}</p>
<ul id="devices">
${devices.map((d, i) => device(d, i, now)).join('\n')}
</ul>
${others}`);
}
