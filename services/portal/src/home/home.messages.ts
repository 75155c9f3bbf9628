import { messages } from '../i18n/i18n';

export const HOME = messages(
  {
    title: 'Welcome, {name}',
    intro: 'Everything the state keeps about you and does for you, in one place.',
    myData: 'Your record in the register of natural persons, its history, and as it was on a date.',
    corrections: 'Ask to correct your record and follow your requests.',
    procedures: 'Online procedures, prefilled from the registers with your say-so.',
    cases: 'Your procedures in progress and completed, step by step.',
    letters: 'Documents the administrations sent you.',
    consents: 'Who may reuse which of your data, for what; receipts.',
    prefill: 'Your Yes or No to prefilling from each source.',
    accessLog: 'Every organisation that accessed your data, when and why, with proofs.',
    businesses: 'The businesses you manage: their records, procedures and letters.',
  },
  {
    fr: {
      title: 'Bienvenue, {name}',
      intro: 'Tout ce que l’État garde sur vous et fait pour vous, en un seul endroit.',
      myData:
        'Votre fiche au registre des personnes physiques, son historique, et son état à une date.',
      corrections: 'Demandez la rectification de votre fiche et suivez vos demandes.',
      procedures: 'Les démarches en ligne, pré-remplies depuis les registres avec votre accord.',
      cases: 'Vos démarches en cours et terminées, étape par étape.',
      letters: 'Les documents que les administrations vous ont envoyés.',
      consents: 'Qui peut réutiliser quelles données, pour quoi ; les reçus.',
      prefill: 'Votre Oui ou Non au pré-remplissage, source par source.',
      accessLog:
        'Chaque organisation qui a consulté vos données, quand et pourquoi, avec des preuves.',
      businesses: 'Les entreprises que vous gérez : fiches, démarches et courrier.',
    },
    de: {
      title: 'Willkommen, {name}',
      intro: 'Alles, was der Staat über Sie speichert und für Sie erledigt, an einem Ort.',
      myData:
        'Ihr Eintrag im Register der natürlichen Personen, seine Geschichte und sein Stand an einem Datum.',
      corrections: 'Beantragen Sie die Berichtigung Ihres Eintrags und verfolgen Sie Ihre Anträge.',
      procedures: 'Online-Verfahren, mit Ihrer Zustimmung aus den Registern vorausgefüllt.',
      cases: 'Ihre laufenden und abgeschlossenen Verfahren, Schritt für Schritt.',
      letters: 'Dokumente, die Ihnen die Verwaltungen geschickt haben.',
      consents: 'Wer welche Ihrer Daten wofür weiterverwenden darf; Belege.',
      prefill: 'Ihr Ja oder Nein zum Vorausfüllen, Quelle für Quelle.',
      accessLog: 'Jede Organisation, die Ihre Daten abgerufen hat, wann und warum, mit Nachweisen.',
      businesses: 'Die Unternehmen, die Sie leiten: Einträge, Verfahren und Post.',
    },
  },
);
