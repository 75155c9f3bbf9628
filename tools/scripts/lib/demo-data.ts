// The demo data `npm start` puts on a fresh local platform, through the services' public APIs,
// so that a newcomer who opens the portal finds a person with a record, a business she manages,
// a letter, a consent, and an access in her log: every page has something to show. It writes the demo
// identities the portal's local sign-in offers. Once written, a later start only checks that
// the first person is still there (a deleted site folder seeds again).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { mintToken } from '@gov/platform-auth';

import { httpCall } from './drill-client';

/** Where the services of the primary site answer. */
export interface DemoUrls {
  readonly registry: string;
  readonly letterbox: string;
  readonly consent: string;
}

/** What the portal's sign-in page offers (see the portal's demo-identities.ts). */
export interface DemoIdentityFile {
  readonly identities: readonly (
    | {
        readonly role: 'citizen';
        readonly nationalId: string;
        readonly name: string;
        readonly description: string;
      }
    | {
        readonly role: 'operator';
        readonly subject: string;
        readonly name: string;
        readonly description: string;
      }
  )[];
}

/** How tokens are minted on this platform. */
export interface DemoSigning {
  readonly privateKeyFile: string;
  readonly issuer: string;
  readonly audience: string;
}

const ANNA = {
  givenNames: 'Anna Maria',
  familyName: 'Schmit',
  birthDate: '1983-08-12',
  placeOfBirth: { locality: 'Luxembourg', country: 'LU' },
  sex: 'F',
  nationalities: ['LU'],
  civilStatus: 'single',
  address: {
    street: 'Boulevard Royal',
    houseNumber: '12A',
    postcode: '2449',
    locality: 'Luxembourg',
    country: 'LU',
  },
};

const LUC = {
  givenNames: 'Luc',
  familyName: 'Weber',
  birthDate: '1990-01-31',
  placeOfBirth: { locality: 'Esch-sur-Alzette', country: 'LU' },
  sex: 'M',
  nationalities: ['LU', 'PT'],
  civilStatus: 'married',
  address: {
    street: 'Grand-Rue',
    houseNumber: '1',
    postcode: '1661',
    locality: 'Luxembourg',
    country: 'LU',
  },
};

function readIdentities(file: string): DemoIdentityFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoIdentityFile;
  } catch {
    return undefined;
  }
}

/**
 * Seeds the demo data unless `file` names identities whose first person the registry still
 * knows. Returns the identities.
 */
export async function seedDemoData(
  urls: DemoUrls,
  signing: DemoSigning,
  file: string,
  log: (message: string) => void,
): Promise<DemoIdentityFile> {
  const token = (request: Omit<Parameters<typeof mintToken>[1], 'issuer' | 'audience'>) =>
    mintToken(signing.privateKeyFile, {
      ...request,
      issuer: signing.issuer,
      audience: signing.audience,
      expiresIn: '10m',
    });
  const existing = readIdentities(file);
  const first = existing?.identities.find((i) => i.role === 'citizen');
  if (first?.role === 'citizen') {
    const citizen = await token({ role: 'citizen', subject: first.nationalId });
    const { status } = await httpCall(
      'GET',
      `${urls.registry}/persons/${first.nationalId}`,
      citizen,
      {
        expected: [200, 404],
      },
    );
    if (status === 200) return existing as DemoIdentityFile;
  }

  log('seeding demo data (two persons, a business, a letter, a consent, an access to a record)');
  const registrar = await token({
    role: 'registrar',
    subject: 'demo-registrar',
    registers: ['persons', 'businesses'],
    organisationId: 'rnpp',
  });
  const seed = `demo-${Date.now()}`;
  const register = async (body: object, key: string): Promise<string> => {
    const { json } = await httpCall('POST', `${urls.registry}/persons`, registrar, {
      body,
      expected: [201],
      idempotencyKey: `${seed}-${key}`,
    });
    return (json as { nationalId: string }).nationalId;
  };
  const anna = await register(ANNA, 'anna');
  const luc = await register(LUC, 'luc');
  const { json: business } = await httpCall('POST', `${urls.registry}/businesses`, registrar, {
    body: {
      name: 'Moselle Logistics',
      legalForm: 'SARL',
      registeredAddress: {
        street: 'Rue de la Gare',
        houseNumber: '5',
        postcode: '6440',
        locality: 'Echternach',
        country: 'LU',
      },
      managers: [
        { nationalId: anna, role: 'managing-director' },
        { nationalId: luc, role: 'director' },
      ],
    },
    expected: [201],
    idempotencyKey: `${seed}-business`,
  });
  const businessNumber = (business as { businessNumber: string }).businessNumber;

  // An administration reads her record on a legal basis: the first entry of her access log.
  const ccss = await token({ role: 'agency', subject: 'demo-ccss', organisationId: 'ccss' });
  await httpCall('GET', `${urls.registry}/persons/${anna}`, ccss, {
    expected: [200],
    headers: { 'x-purpose': 'family-allowance-eligibility' },
  });
  await httpCall('POST', `${urls.letterbox}/letters`, ccss, {
    body: {
      recipient: { kind: 'person', id: anna },
      subject: 'Allocations familiales : votre dossier',
      contentType: 'text/plain',
      content: Buffer.from(
        'Madame,\n\nNous avons bien reçu votre dossier. Il sera traité dans les meilleurs délais.\n\nCaisse pour l’avenir des enfants\n',
      ).toString('base64'),
      retentionDays: 3650,
      receiptRequested: true,
    },
    expected: [201],
    idempotencyKey: `${seed}-letter`,
  });

  // She lets ccss reuse her name and address for a housing subsidy (no legal basis covers it).
  const citizen = await token({ role: 'citizen', subject: anna });
  await httpCall('POST', `${urls.consent}/consents`, citizen, {
    body: {
      organisationId: 'ccss',
      categories: ['persons.family_name', 'persons.address'],
      purpose: 'housing-subsidy-assessment',
      validUntil: `${new Date().getUTCFullYear() + 1}-12-31T00:00:00Z`,
      maxUses: 10,
    },
    expected: [201],
    idempotencyKey: `${seed}-consent`,
  });

  const identities: DemoIdentityFile = {
    identities: [
      {
        role: 'citizen',
        nationalId: anna,
        name: 'Anna Maria Schmit',
        description: `Manages Moselle Logistics (${businessNumber}); has a letter, a consent and an access in her log.`,
      },
      {
        role: 'citizen',
        nationalId: luc,
        name: 'Luc Weber',
        description: 'Director of Moselle Logistics.',
      },
      {
        role: 'operator',
        subject: 'ops-1',
        name: 'Platform operator',
        description: 'Replication, checkpoints, failover.',
      },
    ],
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(identities, null, 2)}\n`);
  return identities;
}
