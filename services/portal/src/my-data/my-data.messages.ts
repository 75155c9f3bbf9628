import { messages } from '../i18n/i18n';

export const MY_DATA = messages(
  {
    title: 'My data',
    intro:
      'Your record in the register of natural persons, as the registry holds it. Administrations reuse it instead of asking you again.',
    recordTitle: 'Your record today',
    asOfRecordTitle: 'Your record on {date}',
    asOfShown:
      'This is your record as the registry held it at the end of {date}, Luxembourg time (the instant {instant}).',
    asOfShownAt:
      'This is your record as the registry held it on {date} at {time}, Luxembourg time (the instant {instant}).',
    asOfTimeLabel: 'Time of day (optional)',
    asOfTimeHint: 'Luxembourg time. Without it, the end of the day.',
    asOfBeforeRegistration:
      'There was no record of you in the register at the end of {date}, Luxembourg time: you were registered later.',
    asOfInvalid: 'Enter a real date, for example 2024-03-31, and a time such as 14:30 or none.',
    asOfTitle: 'Your record on an earlier date',
    asOfLabel: 'Date',
    asOfHint: 'Your record as it stood at the end of that day (Luxembourg time).',
    asOfButton: 'Show my record on that date',
    backToToday: 'Show my record today',
    historyLink: 'Every change of my record',
    correctLink: 'Ask for a correction',
    historyTitle: 'History of my record',
    historyIntro:
      'Every change the registry recorded, oldest first: what changed, when, and who made the change.',
    historyCaption: 'Changes of your record, oldest first',
    colVersion: 'Version',
    colWhen: 'Recorded on',
    colChange: 'Change',
    colValues: 'New values',
    colWho: 'Made by',
    correctionRef: 'Correction request {id}',
    backToRecord: 'Back to my record',
  },
  {
    fr: {
      title: 'Mes données',
      intro:
        'Votre fiche au registre des personnes physiques, telle que le registre la détient. Les administrations la réutilisent au lieu de vous redemander.',
      recordTitle: 'Votre fiche aujourd’hui',
      asOfRecordTitle: 'Votre fiche au {date}',
      asOfShown:
        'Voici votre fiche telle que le registre la détenait à la fin du {date}, heure de Luxembourg (l’instant {instant}).',
      asOfShownAt:
        'Voici votre fiche telle que le registre la détenait le {date} à {time}, heure de Luxembourg (l’instant {instant}).',
      asOfTimeLabel: 'Heure (facultative)',
      asOfTimeHint: 'Heure de Luxembourg. Sans heure, la fin de la journée.',
      asOfBeforeRegistration:
        'Il n’y avait aucune fiche à votre nom au registre à la fin du {date}, heure de Luxembourg : vous avez été inscrit(e) plus tard.',
      asOfInvalid:
        'Saisissez une date réelle, par exemple 2024-03-31, et une heure comme 14:30, ou aucune.',
      asOfTitle: 'Votre fiche à une date antérieure',
      asOfLabel: 'Date',
      asOfHint: 'Votre fiche telle qu’elle était à la fin de ce jour (heure de Luxembourg).',
      asOfButton: 'Afficher ma fiche à cette date',
      backToToday: 'Afficher ma fiche aujourd’hui',
      historyLink: 'Toutes les modifications de ma fiche',
      correctLink: 'Demander une rectification',
      historyTitle: 'Historique de ma fiche',
      historyIntro:
        'Chaque modification enregistrée par le registre, de la plus ancienne à la plus récente : ce qui a changé, quand, et qui l’a faite.',
      historyCaption: 'Modifications de votre fiche, de la plus ancienne à la plus récente',
      colVersion: 'Version',
      colWhen: 'Enregistrée le',
      colChange: 'Modification',
      colValues: 'Nouvelles valeurs',
      colWho: 'Faite par',
      correctionRef: 'Demande de rectification {id}',
      backToRecord: 'Retour à ma fiche',
    },
    de: {
      title: 'Meine Daten',
      intro:
        'Ihr Eintrag im Register der natürlichen Personen, wie das Register ihn führt. Verwaltungen verwenden ihn weiter, statt Sie erneut zu fragen.',
      recordTitle: 'Ihr Eintrag heute',
      asOfRecordTitle: 'Ihr Eintrag am {date}',
      asOfShown:
        'So führte das Register Ihren Eintrag am Ende des {date}, Luxemburger Zeit (Zeitpunkt {instant}).',
      asOfShownAt:
        'So führte das Register Ihren Eintrag am {date} um {time}, Luxemburger Zeit (Zeitpunkt {instant}).',
      asOfTimeLabel: 'Uhrzeit (freiwillig)',
      asOfTimeHint: 'Luxemburger Zeit. Ohne Uhrzeit das Ende des Tages.',
      asOfBeforeRegistration:
        'Am Ende des {date} (Luxemburger Zeit) gab es im Register noch keinen Eintrag zu Ihnen: Sie wurden später eingetragen.',
      asOfInvalid:
        'Geben Sie ein gültiges Datum ein, zum Beispiel 2024-03-31, und eine Uhrzeit wie 14:30 oder keine.',
      asOfTitle: 'Ihr Eintrag an einem früheren Datum',
      asOfLabel: 'Datum',
      asOfHint: 'Ihr Eintrag, wie er am Ende dieses Tages stand (Luxemburger Zeit).',
      asOfButton: 'Meinen Eintrag an diesem Datum zeigen',
      backToToday: 'Meinen Eintrag heute zeigen',
      historyLink: 'Alle Änderungen meines Eintrags',
      correctLink: 'Eine Berichtigung beantragen',
      historyTitle: 'Geschichte meines Eintrags',
      historyIntro:
        'Jede Änderung, die das Register erfasst hat, die älteste zuerst: was sich geändert hat, wann und wer sie vorgenommen hat.',
      historyCaption: 'Änderungen Ihres Eintrags, die älteste zuerst',
      colVersion: 'Version',
      colWhen: 'Erfasst am',
      colChange: 'Änderung',
      colValues: 'Neue Werte',
      colWho: 'Vorgenommen von',
      correctionRef: 'Berichtigungsantrag {id}',
      backToRecord: 'Zurück zu meinem Eintrag',
    },
  },
);
