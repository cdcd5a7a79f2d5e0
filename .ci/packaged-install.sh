#!/usr/bin/env bash
# Installs the packed package into fresh apps, as a user would, and runs them:
# a Redis app beside only its Nest peers and ioredis, a filesystem app with no
# client at all. Fails when another backend client (or jest) got installed,
# when the package does not load from CommonJS or from an ES module, or when a
# session does not survive an HTTP round trip.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

[ -f dist/index.js ] || npm run build
work=$(mktemp -d "${TMPDIR:-/tmp}/session-packaged-XXXXXX")
trap 'rm -rf "$work"' EXIT

tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
tar -tzf "$work/$tarball" > "$work/files.txt"
for file in package/LICENSE package/CHANGELOG.md package/dist/index.js package/dist/index.d.ts \
  package/dist/testing/index.js package/dist/testing/index.d.ts; do
  grep -qx "$file" "$work/files.txt" || { echo "$tarball lacks $file" >&2; exit 1; }
done

# The versions the lockfile pins, so the apps run what the tests ran.
locked() { node -p "require('$root/package-lock.json').packages['node_modules/$1'].version"; }
peers=()
for name in @nestjs/common @nestjs/core @nestjs/platform-express reflect-metadata rxjs; do
  peers+=("$name@$(locked "$name")")
done

# Backend clients (and the test runner) that must never come with the package.
unwanted=(mongoose mongodb typeorm memjs pg mysql2 better-sqlite3 jest @jest/globals)
unwanted_scopes=(@aws-sdk @google-cloud @elastic)

write_app() {
  local dir=$1 options=$2
  cat > "$dir/main.cjs" <<JS
require('reflect-metadata');
const { request } = require('node:http');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { Session, SessionModule } = require('nestjs-server-session');

class CountController {
  count(session) {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return { count };
  }
}
Controller()(CountController);
Session()(CountController.prototype, 'count', 0);
Get('count')(CountController.prototype, 'count', Object.getOwnPropertyDescriptor(CountController.prototype, 'count'));
class AppModule {}
Module({ imports: [SessionModule.forRoot($options)], controllers: [CountController] })(AppModule);

const get = (url, cookie) =>
  new Promise((resolve, reject) => {
    request(url, { headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, cookie: res.headers['set-cookie']?.[0].split(';')[0], body: JSON.parse(body) }));
    }).on('error', reject).end();
  });

(async () => {
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()) + '/count';
  const first = await get(url);
  const second = await get(url, first.cookie);
  await app.close();
  if (first.status !== 200 || !first.cookie || second.body.count !== 2)
    throw new Error('no session round trip: ' + JSON.stringify([first, second]));
  console.log('round trip ok: ' + JSON.stringify(second.body));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
JS
  cat > "$dir/esm.mjs" <<'JS'
import { MemoryStore, SessionModule, Session } from 'nestjs-server-session';
import * as whole from 'nestjs-server-session';
for (const [name, value] of Object.entries({ MemoryStore, SessionModule, Session }))
  if (typeof value !== 'function') throw new Error(`ES import of ${name} gave ${typeof value}`);
if (whole.SESSION_TYPES === undefined) throw new Error('ES namespace import lacks SESSION_TYPES');
// The testing entry resolves through the exports map, and needs jest, which is not here.
const testing = await import('nestjs-server-session/testing').then(
  () => 'loaded',
  (error) => String(error.message),
);
if (!/@jest\/globals/.test(testing)) throw new Error(`./testing without jest: ${testing}`);
console.log('ES module import ok');
JS
}

check_app() {
  local name=$1 options=$2; shift 2
  local dir="$work/$name"
  mkdir -p "$dir"
  (cd "$dir" && npm init -y >/dev/null &&
    npm install --prefer-offline --no-audit --no-fund --loglevel=error \
      "$work/$tarball" "${peers[@]}" "$@" >/dev/null)
  for pkg in "${unwanted[@]}"; do
    [ ! -e "$dir/node_modules/$pkg" ] || { echo "$name app: $pkg was installed" >&2; exit 1; }
  done
  for scope in "${unwanted_scopes[@]}"; do
    [ ! -e "$dir/node_modules/$scope" ] || { echo "$name app: $scope/* was installed" >&2; exit 1; }
  done
  write_app "$dir" "$options"
  (cd "$dir" && node main.cjs && node esm.mjs)
  echo "$name app: installed and ran from the packed tarball"
}

# A one-minute lifetime: the shared Redis keeps nothing of this check.
check_app redis "{ type: 'redis', keyPrefix: 'packaged-install:', lifetime: 60000 }" "ioredis@$(locked ioredis)"
check_app filesystem "{ type: 'filesystem', dir: __dirname + '/sessions' }"
[ ! -e "$work/filesystem/node_modules/ioredis" ] || { echo "filesystem app: ioredis was installed" >&2; exit 1; }
