import { messages } from '../i18n/i18n';

export const SIGN_IN = messages(
  {
    title: 'Sign in',
    intro:
      'This is the local platform: choose who you are. A deployment signs people in with its identity provider instead.',
    expired: 'Your session has ended. Sign in again to continue.',
    demoTitle: 'Demo identities',
    demoNone: 'No demo identities were created (npm start creates them).',
    signInAs: 'Sign in as {name}',
    citizenTitle: 'A person, by national identification number',
    nationalId: 'National identification number',
    nationalIdHint: '13 digits, as on the identity card.',
    nationalIdInvalid: 'Enter the 13 digits of a national identification number.',
    nationalIdUnknown: 'The register of natural persons has no one with this number.',
    operatorTitle: 'Platform operations',
    operatorId: 'Staff identifier',
    operatorIdInvalid: 'Enter an identifier of letters, digits, dots or dashes (64 at most).',
    roleCitizen: 'citizen',
    roleOperator: 'operator',
    providerIntro: 'You sign in with the state’s identity provider; you come back here afterwards.',
    providerButton: 'Sign in with the identity provider',
    providerFailed: 'Signing in did not complete: {reason}',
    providerNoTransaction:
      'This sign-in was not started here or took too long. Start again from the button below.',
    providerTokenRefused:
      'The platform’s services did not accept the identity provider’s token. Tell the platform’s operators.',
  },
  {
    fr: {
      title: 'Se connecter',
      intro:
        'Ceci est la plateforme locale : choisissez qui vous êtes. Un déploiement connecte les personnes par son fournisseur d’identité.',
      expired: 'Votre session a pris fin. Reconnectez-vous pour continuer.',
      demoTitle: 'Identités de démonstration',
      demoNone: 'Aucune identité de démonstration n’a été créée (npm start les crée).',
      signInAs: 'Se connecter en tant que {name}',
      citizenTitle: 'Une personne, par numéro d’identification national',
      nationalId: 'Numéro d’identification national',
      nationalIdHint: '13 chiffres, comme sur la carte d’identité.',
      nationalIdInvalid: 'Saisissez les 13 chiffres d’un numéro d’identification national.',
      nationalIdUnknown: 'Le registre des personnes physiques ne connaît personne avec ce numéro.',
      operatorTitle: 'Exploitation de la plateforme',
      operatorId: 'Identifiant du personnel',
      operatorIdInvalid:
        'Saisissez un identifiant fait de lettres, chiffres, points ou tirets (64 au plus).',
      roleCitizen: 'citoyen',
      roleOperator: 'opérateur',
      providerIntro:
        'Vous vous connectez par le fournisseur d’identité de l’État ; vous revenez ici ensuite.',
      providerButton: 'Se connecter par le fournisseur d’identité',
      providerFailed: 'La connexion n’a pas abouti : {reason}',
      providerNoTransaction:
        'Cette connexion n’a pas été commencée ici ou a pris trop de temps. Recommencez avec le bouton ci-dessous.',
      providerTokenRefused:
        'Les services de la plateforme n’ont pas accepté le jeton du fournisseur d’identité. Prévenez l’exploitation de la plateforme.',
    },
    de: {
      title: 'Anmelden',
      intro:
        'Dies ist die lokale Plattform: Wählen Sie, wer Sie sind. Ein Betrieb meldet Personen über seinen Identitätsanbieter an.',
      expired: 'Ihre Sitzung ist abgelaufen. Melden Sie sich erneut an, um fortzufahren.',
      demoTitle: 'Demo-Identitäten',
      demoNone: 'Es wurden keine Demo-Identitäten angelegt (npm start legt sie an).',
      signInAs: 'Als {name} anmelden',
      citizenTitle: 'Eine Person, mit nationaler Identifikationsnummer',
      nationalId: 'Nationale Identifikationsnummer',
      nationalIdHint: '13 Ziffern, wie auf dem Personalausweis.',
      nationalIdInvalid: 'Geben Sie die 13 Ziffern einer nationalen Identifikationsnummer ein.',
      nationalIdUnknown: 'Das Register der natürlichen Personen kennt niemanden mit dieser Nummer.',
      operatorTitle: 'Plattformbetrieb',
      operatorId: 'Mitarbeiterkennung',
      operatorIdInvalid:
        'Geben Sie eine Kennung aus Buchstaben, Ziffern, Punkten oder Bindestrichen ein (höchstens 64).',
      roleCitizen: 'Bürger',
      roleOperator: 'Betrieb',
      providerIntro:
        'Sie melden sich beim Identitätsanbieter des Staates an und kehren danach hierher zurück.',
      providerButton: 'Beim Identitätsanbieter anmelden',
      providerFailed: 'Die Anmeldung wurde nicht abgeschlossen: {reason}',
      providerNoTransaction:
        'Diese Anmeldung wurde nicht hier begonnen oder hat zu lange gedauert. Beginnen Sie erneut mit der Schaltfläche unten.',
      providerTokenRefused:
        'Die Dienste der Plattform haben das Token des Identitätsanbieters nicht angenommen. Informieren Sie den Plattformbetrieb.',
    },
  },
);
