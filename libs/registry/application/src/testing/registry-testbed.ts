// The application's use cases on the in-memory event store, for unit tests. Not exported.
import { InMemorySubjectKeyStore, KeyEncryptionKey } from '@gov/platform-data-protection';
import type { Principal } from '@gov/platform-auth';
import { InMemoryEventStore } from '@gov/platform-event-sourcing';
import { composeNationalId } from '@gov/registry-domain';
import type { Address } from '@gov/registry-domain';

import { DEFAULT_LEGAL_BASES_FILE, loadLegalBasisCatalogue } from '@gov/platform-legal-bases';

import { AccessLog } from '../lib/access/access-log';
import { AgencyReadPolicy } from '../lib/access/agency-reads';
import type {
  ConsentDecision,
  ConsentDecisionRequest,
  ConsentDecisions,
} from '../lib/access/agency-reads';
import { BusinessService } from '../lib/businesses/business.service';
import { VehicleService } from '../lib/vehicles/vehicle.service';
import { BusinessManagersProjector } from '../lib/businesses/business-managers.projector';
import type { RequestContext } from '../lib/context';
import { CorrectionService } from '../lib/corrections/correction.service';
import { CorrectionsProjector } from '../lib/corrections/corrections.projector';
import { CorrectionsReactor } from '../lib/corrections/corrections.reactor';
import { ReadModelFollowingStore } from '../lib/corrections/read-model-following-store';
import { toApplicationError } from '../lib/errors';
import type { RegisterPersonInput } from '../lib/persons/person.service';
import { PersonService } from '../lib/persons/person.service';
import {
  InMemoryBulkRegistrar,
  InMemoryBusinessManagersReadModel,
  InMemoryCheckpoints,
  InMemoryCorrectionsReadModel,
  InMemoryNumberAllocator,
  InMemoryRegistrarDirectory,
  TestClock,
} from './in-memory-ports';

export const START = new Date('2026-03-01T10:00:00.000Z');

/** People of the tests. */
export const CLERK_NATIONAL_ID = composeNationalId('1975-06-03', 5);
export const OTHER_CLERK_NATIONAL_ID = composeNationalId('1968-11-20', 321);

export const registrar: Principal = {
  kind: 'registrar',
  subject: 'clerk-1',
  registers: ['persons', 'businesses'],
  organisationId: 'rnpp',
};
export const unenrolledRegistrar: Principal = {
  kind: 'registrar',
  subject: 'clerk-9',
  registers: ['persons', 'businesses'],
  organisationId: 'rnpp',
};
export const businessRegistrar: Principal = {
  kind: 'registrar',
  subject: 'clerk-2',
  registers: ['businesses'],
  organisationId: 'lbr',
};
export const agency: Principal = { kind: 'agency', subject: 'svc-ccss', organisationId: 'ccss' };
export const citizen = (nationalId: string): Principal => ({
  kind: 'citizen',
  subject: nationalId,
});

export const LUXEMBOURG: Address = {
  street: 'Boulevard Royal',
  houseNumber: '12A',
  postcode: '2449',
  locality: 'Luxembourg',
  country: 'LU',
};
export const ESCH: Address = {
  street: "Rue de l'Alzette",
  houseNumber: '7',
  postcode: '4011',
  locality: 'Esch-sur-Alzette',
  country: 'LU',
};

export const anna = (overrides: Partial<RegisterPersonInput> = {}): RegisterPersonInput => ({
  givenNames: 'Anna Maria',
  familyName: 'Schmit',
  birthDate: '1983-08-12',
  placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
  sex: 'F',
  nationalities: ['LU'],
  address: LUXEMBOURG,
  civilStatus: 'single',
  ...overrides,
});

let requests = 0;

/** A request context for `principal`, with a fresh correlation id. */
export function as(principal: Principal, extra: Partial<RequestContext> = {}): RequestContext {
  requests += 1;
  return { principal, correlationId: `request-${requests}`, ...extra };
}

/**
 * The consent service's decisions as the tests set them: `answer` decides every request (deny
 * unless set), and every request is kept in `asked`.
 */
export class ScriptedConsentDecisions implements ConsentDecisions {
  readonly asked: ConsentDecisionRequest[] = [];
  answer: (request: ConsentDecisionRequest) => Promise<ConsentDecision> = () =>
    Promise.resolve({ kind: 'deny', reason: 'no consent' });

  decide(request: ConsentDecisionRequest): Promise<ConsentDecision> {
    this.asked.push(request);
    return this.answer(request);
  }
}

/** Everything wired on the in-memory store. */
export function registryTestbed() {
  const clock = new TestClock(START);
  const store = new InMemoryEventStore({ producer: 'registry', now: () => clock.now() });
  const numbers = new InMemoryNumberAllocator();
  const readModel = new InMemoryCorrectionsReadModel();
  const registrars = new InMemoryRegistrarDirectory({
    'clerk-1': CLERK_NATIONAL_ID,
    'clerk-2': OTHER_CLERK_NATIONAL_ID,
  });
  const checkpoints = new InMemoryCheckpoints();
  const managers = new InMemoryBusinessManagersReadModel();
  const warnings: string[] = [];
  const consents = new ScriptedConsentDecisions();
  const keys = new InMemorySubjectKeyStore(KeyEncryptionKey.generate());
  // The catalogue shipped with the platform.
  const agencyReads = new AgencyReadPolicy(
    loadLegalBasisCatalogue(DEFAULT_LEGAL_BASES_FILE),
    consents,
    clock,
  );
  return {
    clock,
    store,
    keys,
    numbers,
    readModel,
    managers,
    warnings,
    consents,
    persons: new PersonService(
      store,
      keys,
      clock,
      numbers,
      new AccessLog(store, clock),
      new InMemoryBulkRegistrar(store, numbers),
      agencyReads,
    ),
    businesses: new BusinessService(store, clock, numbers, agencyReads, managers),
    vehicles: new VehicleService(store, clock, agencyReads, new AccessLog(store, clock)),
    managersProjector: new BusinessManagersProjector(store, managers, checkpoints),
    corrections: new CorrectionService(
      new ReadModelFollowingStore(store, readModel),
      keys,
      clock,
      readModel,
      registrars,
    ),
    projector: new CorrectionsProjector(store, readModel, checkpoints),
    reactor: new CorrectionsReactor(
      new ReadModelFollowingStore(store, readModel),
      keys,
      clock,
      readModel,
      {
        warn: (message) => warnings.push(message),
      },
    ),
  };
}

/**
 * What a promise rejects with, as the chassis would answer it (an `ApplicationError` for a
 * rejection or an event store error, with the registry's statuses); fails the test if the
 * promise resolves.
 */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return toApplicationError(error);
  }
  throw new Error('expected the promise to reject');
}
