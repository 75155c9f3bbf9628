import { InMemorySubjectKeyStore } from './in-memory-subject-key-store';
import { describeSubjectKeyStoreContract } from './testing/subject-key-store.contract';

describeSubjectKeyStoreContract('in memory', (kek) =>
  Promise.resolve(new InMemorySubjectKeyStore(kek)),
);
