import { requestLogLevel } from './logger-params';

describe('requestLogLevel', () => {
  it.each([
    '/health/live',
    '/health/ready',
    '/openapi.json',
    '/metrics',
    '/replication/status',
    '/replication/digest?position=42&projections=false',
  ])('puts the polled route %s at debug', (url) => {
    expect(requestLogLevel(url, 200)).toBe('debug');
  });

  it('keeps a polled route at debug while it fails: the poller reports it in its own terms', () => {
    expect(requestLogLevel('/health/ready', 503)).toBe('debug');
    expect(requestLogLevel('/replication/status', 500)).toBe('debug');
  });

  it('logs the business routes at info, the client errors too', () => {
    expect(requestLogLevel('/persons', 201)).toBe('info');
    expect(requestLogLevel('/persons/1983081246785', 404)).toBe('info');
  });

  it('logs a failure of ours at error', () => {
    expect(requestLogLevel('/persons', 500)).toBe('error');
    expect(requestLogLevel('/persons', 200, new Error('socket hang up'))).toBe('error');
  });

  it('matches whole paths, not prefixes of other routes', () => {
    expect(requestLogLevel('/metrics-export', 200)).toBe('info');
    expect(requestLogLevel('/replication/promote', 200)).toBe('info');
    expect(requestLogLevel('/openapi.json.bak', 200)).toBe('info');
  });
});
