// Rotating the key-encryption key (docs/operations/data-protection.md, "Rotating the
// key-encryption key"): the file lists the new key first and the old one after it; the
// registry's migrate program re-wraps every subject key under the new key; afterwards the new
// key alone opens everything, and the old one alone opens nothing.
import { writeFileSync } from 'node:fs';

import { KeyEncryptionKey } from '@gov/platform-data-protection';
import { aPerson } from '@gov/platform-e2e-testing';

import { runTool } from './testing/registry-process';
import { RegistrySites } from './testing/registry-sites';
import type { RegistrySite } from './testing/registry-sites';

describe('rotating the key-encryption key', () => {
  let sites: RegistrySites;

  beforeAll(async () => {
    sites = await RegistrySites.create('registry-kek-rotation-e2e');
  });

  afterAll(async () => {
    await sites.stop();
  });

  const read = async (site: RegistrySite, path: string, bearer: string) => {
    const response = await fetch(`${site.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('re-wraps every key in the migrate step; the new key alone then opens every record', async () => {
    const registrar = await sites.token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const before = await sites.start();
    const registered = await fetch(`${before.baseUrl}/persons`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${registrar}`,
        'content-type': 'application/json',
        'idempotency-key': `rotation-${String(Date.now())}`,
      },
      body: JSON.stringify(aPerson({ givenNames: 'Mia', familyName: 'Weber' })),
    });
    expect(registered.status).toBe(201);
    const { nationalId } = (await registered.json()) as { nationalId: string };
    await sites.stopProcess(before);

    const old = KeyEncryptionKey.fromFile(sites.keyEncryptionKeyFile);
    const fresh = KeyEncryptionKey.generate();
    const rotating = sites.file('kek-rotating');
    writeFileSync(rotating, `${fresh.toBase64()}\n${old.toBase64()}\n`, { mode: 0o600 });
    const env = { DATABASE_URL: before.database.url, DATA_KEK_FILE: rotating };

    const migrated = runTool('migrate', env);
    expect(migrated.status).toBe(0);
    const lines = migrated.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        task: 'migrate',
        schema: 'registry_app',
        keys: 're-wrapped under the current key-encryption key',
        rewrapped: 1,
      }),
    );
    expect(
      JSON.parse(runTool('migrate', env).stdout.trim().split('\n').at(-1) ?? '{}'),
    ).toMatchObject({ rewrapped: 0 });

    // The rotation's end: the new key alone.
    const rotated = sites.file('kek-rotated');
    writeFileSync(rotated, `${fresh.toBase64()}\n`, { mode: 0o600 });
    const after = await sites.startOn(before.database, { DATA_KEK_FILE: rotated });
    expect(await read(after, `/persons/${nationalId}`, registrar)).toMatchObject({
      status: 200,
      body: { givenNames: 'Mia', familyName: 'Weber' },
    });
    await sites.stopProcess(after);

    // The old key alone no longer opens the record: the key table holds nothing under it.
    const stale = await sites.startOn(before.database, {
      DATA_KEK_FILE: sites.keyEncryptionKeyFile,
    });
    expect((await read(stale, `/persons/${nationalId}`, registrar)).status).toBe(500);
  });
});
