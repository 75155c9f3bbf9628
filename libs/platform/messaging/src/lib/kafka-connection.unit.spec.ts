import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { kafkaSecurity } from './kafka-connection';

describe('kafkaSecurity', () => {
  it('leaves a client without TLS and SASL when none is configured', () => {
    expect(kafkaSecurity({})).toEqual({});
  });

  it("gives the client the SASL credentials and the CA file's certificate", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-ca-'));
    try {
      const caFile = join(dir, 'ca.crt');
      writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nsample\n-----END CERTIFICATE-----\n');
      expect(
        kafkaSecurity({
          sasl: { mechanism: 'scram-sha-512', username: 'registry', password: 'pw' },
          tls: { caFile },
        }),
      ).toEqual({
        ssl: { ca: ['-----BEGIN CERTIFICATE-----\nsample\n-----END CERTIFICATE-----\n'] },
        sasl: { mechanism: 'scram-sha-512', username: 'registry', password: 'pw' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails at start-up when the CA file is missing', () => {
    expect(() => kafkaSecurity({ tls: { caFile: '/nonexistent/ca.crt' } })).toThrow(/ENOENT/);
  });
});
