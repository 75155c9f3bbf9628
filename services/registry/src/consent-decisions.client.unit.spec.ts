// The registry's client of the consent service's decision API, over real HTTP against a local
// server that answers as the test scripts it.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApplicationError } from '@gov/platform-chassis';

import { HttpConsentDecisions } from './consent-decisions.client';

let server: Server;
let baseUrl: string;
let respond: (request: IncomingMessage, body: string, response: ServerResponse) => void;
const seen: { authorization: string | undefined; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      seen.push({ authorization: request.headers.authorization, body: JSON.parse(body) });
      respond(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function answer(status: number, body: unknown, type = 'application/json'): void {
  respond = (_request, _body, response) => {
    response.writeHead(status, { 'content-type': type });
    response.end(JSON.stringify(body));
  };
}

const request = {
  subject: '1983081246785',
  categories: ['persons.address', 'persons.family_name'] as const,
  purpose: 'housing-subsidy',
  bearerToken: 'agency-token',
};

describe('HttpConsentDecisions', () => {
  it('asks with the agency’s token, and reads a permit on a consent', async () => {
    answer(200, {
      decision: 'permit',
      consentId: 'c0ffee00-0000-4000-8000-000000000001',
      categories: ['persons.address', 'not-a-category'],
    });
    seen.length = 0;

    const decision = await new HttpConsentDecisions(baseUrl).decide(request);

    expect(decision).toEqual({
      kind: 'permit',
      consentId: 'c0ffee00-0000-4000-8000-000000000001',
      categories: ['persons.address'],
    });
    expect(seen).toEqual([
      {
        authorization: 'Bearer agency-token',
        body: {
          subject: request.subject,
          categories: [...request.categories],
          purpose: request.purpose,
          accessRecordedBy: 'registry',
        },
      },
    ]);
  });

  it('reads a deny, a 4xx problem and a permit on something else than a consent as a deny', async () => {
    const client = new HttpConsentDecisions(baseUrl);
    answer(200, { decision: 'deny', reason: 'the consent is paused' });
    expect(await client.decide(request)).toEqual({
      kind: 'deny',
      reason: 'the consent is paused',
    });
    answer(403, { status: 403, detail: 'organisation xyz is unknown' }, 'application/problem+json');
    expect(await client.decide(request)).toEqual({
      kind: 'deny',
      reason: 'organisation xyz is unknown',
    });
    answer(200, { decision: 'permit', legalBasisId: 'ccss-affiliation', categories: [] });
    expect(await client.decide(request)).toMatchObject({ kind: 'deny' });
  });

  it('refuses the read (503) when the consent service fails, hangs or is not there', async () => {
    answer(500, { status: 500 });
    await expect(new HttpConsentDecisions(baseUrl).decide(request)).rejects.toMatchObject({
      constructor: ApplicationError,
      kind: 'service-unavailable',
    });

    respond = () => undefined; // never answers
    await expect(new HttpConsentDecisions(baseUrl, 200).decide(request)).rejects.toMatchObject({
      kind: 'service-unavailable',
    });

    await expect(
      new HttpConsentDecisions('http://127.0.0.1:1', 500).decide(request),
    ).rejects.toMatchObject({ kind: 'service-unavailable' });
  });
});
