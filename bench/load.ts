import autocannon from 'autocannon';

export interface LoadSettings {
  connections: number;
  durationS: number;
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  p99Ms: number;
  failures: number;
}

/**
 * One bounded autocannon run against `url`. With one cookie every request
 * sends it; with several, requests take them in turn.
 */
export async function drive(
  url: string,
  settings: LoadSettings,
  cookies: readonly string[] = [],
): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: settings.connections,
    duration: settings.durationS,
    headers: cookies.length === 1 ? { cookie: cookies[0] } : {},
    requests:
      cookies.length > 1
        ? [
            {
              setupRequest: (request) => ({
                ...request,
                headers: { ...request.headers, cookie: cookies[next++ % cookies.length] },
              }),
            },
          ]
        : undefined,
  });
  const failures = result.errors + result.timeouts + result.non2xx;
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / result.duration,
    p99Ms: result.latency.p99,
    failures,
  };
}
