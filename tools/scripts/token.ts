// `npm run token -- <role> <subject> [options]`: mints a bearer token for the local platform,
// signed with the key pair that `npm start` created in .cache/auth/. Examples:
//   npm run token -- citizen 1983081246785
//   npm run token -- registrar clerk-1 --registers persons,businesses --org rnpp \
//     --national-id 1975060300596     (the registrar's own number: needed to decide corrections)
//   npm run token -- agency svc-ccss --org ccss --ttl 8h
//   npm run token -- operator ops-1   (fence, promote, replication status)
//   npm run token -- dpo dpo-1 --org cnpd   (all consents and access entries, sealed ones too)
// Prints the token alone on standard output, so `TOKEN=$(npm run -s token -- ...)` works.
import { parseArgs } from 'node:util';

import { mintToken } from '@gov/platform-auth';
import type { PrincipalKind } from '@gov/platform-auth';

import { LOCAL_AUDIENCE, LOCAL_ISSUER, localSigningKeys } from './lib/local-auth';
import { requireNode24 } from './lib/node-version';

const USAGE = `usage: npm run token -- <citizen|registrar|agency|operator|dpo|auditor> <subject> [--registers a,b] [--org id]
                      [--national-id n] [--ttl 1h]
  citizen    subject = the person's national identification number
  registrar  --registers lists the registers it may write (persons, businesses, vehicles);
             --national-id is their own number (needed to decide on corrections)
  agency     --org names the organisation; reads must also state a purpose and a legal basis
  operator   platform operations: replication status, fencing and promotion of a site
  dpo        data-protection officer: reads every consent and access entry, sealed ones too
  auditor    supervisory authority: reads the whole access log and its signed tree heads`;

const ROLES: readonly PrincipalKind[] = [
  'citizen',
  'registrar',
  'agency',
  'operator',
  'dpo',
  'auditor',
];

async function main(): Promise<void> {
  requireNode24();
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      registers: { type: 'string' },
      org: { type: 'string' },
      'national-id': { type: 'string' },
      ttl: { type: 'string', default: '1h' },
    },
  });
  const [role, subject] = positionals;
  if (!role || !subject || !ROLES.includes(role as PrincipalKind)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const keys = await localSigningKeys();
  const token = await mintToken(keys.privateKeyFile, {
    role: role as PrincipalKind,
    subject,
    ...(values.registers ? { registers: values.registers.split(',').filter(Boolean) } : {}),
    ...(values.org ? { organisationId: values.org } : {}),
    ...(values['national-id'] ? { nationalId: values['national-id'] } : {}),
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    expiresIn: values.ttl,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
