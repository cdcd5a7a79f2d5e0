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

/** One bounded autocannon run against `url`, optionally with a cookie on every request. */
export async function drive(
  url: string,
  settings: LoadSettings,
  cookie?: string,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: settings.connections,
    duration: settings.durationS,
    headers: cookie ? { cookie } : {},
  });
  const failures = result.errors + result.timeouts + result.non2xx;
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / result.duration,
    p99Ms: result.latency.p99,
    failures,
  };
}
