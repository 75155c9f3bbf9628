// The names of the platform's data categories in the portal's languages. Keyed by the
// platform's own list (`DATA_CATEGORIES`): a category added there and not named here is a
// compile error, not a code on a citizen's page.
import type { DataCategory } from '@gov/platform-legal-bases';

import type { Language } from '../i18n/i18n';

const NAMES: Record<Language, Record<DataCategory, string>> = {
  en: {
    'persons.national_id': 'National identification number',
    'persons.given_names': 'Given names',
    'persons.family_name': 'Family name',
    'persons.birth_date': 'Date of birth',
    'persons.place_of_birth': 'Place of birth',
    'persons.sex': 'Sex',
    'persons.nationalities': 'Nationalities',
    'persons.address': 'Address',
    'persons.civil_status': 'Civil status',
    'persons.date_of_death': 'Date of death',
    'businesses.business_number': 'Business number',
    'businesses.name': 'Business name',
    'businesses.legal_form': 'Legal form',
    'businesses.registered_address': 'Registered address',
    'businesses.managers': 'Managers',
    'businesses.strike_off': 'Strike-off',
    'personal-space.bank-account': 'Bank account (personal space)',
    'personal-space.phone': 'Phone number (personal space)',
    'personal-space.email': 'E-mail address (personal space)',
  },
  fr: {
    'persons.national_id': 'Numéro d’identification national',
    'persons.given_names': 'Prénoms',
    'persons.family_name': 'Nom de famille',
    'persons.birth_date': 'Date de naissance',
    'persons.place_of_birth': 'Lieu de naissance',
    'persons.sex': 'Sexe',
    'persons.nationalities': 'Nationalités',
    'persons.address': 'Adresse',
    'persons.civil_status': 'État civil',
    'persons.date_of_death': 'Date de décès',
    'businesses.business_number': 'Numéro d’entreprise',
    'businesses.name': 'Dénomination',
    'businesses.legal_form': 'Forme juridique',
    'businesses.registered_address': 'Siège social',
    'businesses.managers': 'Dirigeants',
    'businesses.strike_off': 'Radiation',
    'personal-space.bank-account': 'Compte bancaire (espace personnel)',
    'personal-space.phone': 'Numéro de téléphone (espace personnel)',
    'personal-space.email': 'Adresse électronique (espace personnel)',
  },
  de: {
    'persons.national_id': 'Nationale Identifikationsnummer',
    'persons.given_names': 'Vornamen',
    'persons.family_name': 'Familienname',
    'persons.birth_date': 'Geburtsdatum',
    'persons.place_of_birth': 'Geburtsort',
    'persons.sex': 'Geschlecht',
    'persons.nationalities': 'Staatsangehörigkeiten',
    'persons.address': 'Adresse',
    'persons.civil_status': 'Familienstand',
    'persons.date_of_death': 'Sterbedatum',
    'businesses.business_number': 'Unternehmensnummer',
    'businesses.name': 'Firmenname',
    'businesses.legal_form': 'Rechtsform',
    'businesses.registered_address': 'Sitz',
    'businesses.managers': 'Geschäftsführung',
    'businesses.strike_off': 'Löschung',
    'personal-space.bank-account': 'Bankkonto (persönlicher Bereich)',
    'personal-space.phone': 'Telefonnummer (persönlicher Bereich)',
    'personal-space.email': 'E-Mail-Adresse (persönlicher Bereich)',
  },
};

/** A category's name in `language`; a category the platform does not know keeps its code. */
export function categoryName(language: Language, category: string): string {
  return (NAMES[language] as Record<string, string | undefined>)[category] ?? category;
}
