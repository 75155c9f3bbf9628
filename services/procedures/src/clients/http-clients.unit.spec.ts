import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { PlatformHttpClients } from './http-clients';
import { OwnToken } from '@gov/platform-auth';

// The decision letter's delivery, against a local HTTP stand-in of the letterbox: with the
// back office's own token the letter is plainly its own; with the service's token (the
// reactor's retry) it is delivered on behalf of the case's handling organisation.
describe('delivering a decision letter', () => {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      response
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ letterId: 'l-1', sha256: 'a'.repeat(64), state: 'AVAILABLE' }));
    });
  });
  let clients: PlatformHttpClients;
  const letter = {
    recipientNationalId: '1983081246785',
    subject: 'Décision',
    caseId: 'case-1',
    pdf: Buffer.from('%PDF-1.4\n'),
    organisationId: 'cae',
  };

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    clients = new PlatformHttpClients(
      { registry: undefined, consent: undefined, letterbox: `http://127.0.0.1:${String(port)}` },
      new OwnToken(
        { kind: 'token', token: 'service-token' },
        { role: 'agency', subject: 'procedures', issuer: 'i', audience: 'a' },
      ),
      2_000,
    );
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('names no onBehalfOf with the back office’s token', async () => {
    await clients.deliver(letter, 'cae-token', 'decision-letter-case-1');
    expect(bodies.at(-1)).not.toHaveProperty('onBehalfOf');
    expect(bodies.at(-1)).toMatchObject({
      reference: 'decision-letter-case-1',
      receiptRequested: true,
    });
  });

  it('delivers on behalf of the handling organisation with the service’s token', async () => {
    await clients.deliver(letter, 'service-token', 'decision-letter-case-1');
    // The same reference: the letterbox names the same letter as the back office's delivery.
    expect(bodies.at(-1)).toMatchObject({
      onBehalfOf: 'cae',
      procedureId: 'case-1',
      reference: 'decision-letter-case-1',
    });
  });
});
