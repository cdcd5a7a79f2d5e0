import request from 'supertest';

/** GETs an SSE route and waits for the stream to end; `text` holds the events as sent. */
export function getEvents(server: unknown, path: string, cookie?: string) {
  const call = request(server as Parameters<typeof request>[0]).get(path);
  if (cookie) void call.set('Cookie', cookie);
  return call.buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => done(null, text));
  });
}

/** The `data:` lines of an event stream. */
export function eventData(text: unknown): string[] {
  return String(text)
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
}
