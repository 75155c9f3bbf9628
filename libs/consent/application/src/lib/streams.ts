/** The consent service's stream ids. */
export const streamIds = {
  /** One consent artefact, with the permits of its uses. */
  consent: (consentId: string): string => `consent-${consentId}`,
  /** A person's Yes/No to prefilling. */
  prefill: (nationalId: string): string => `prefill-${nationalId}`,
  /** The permits on legal bases concerning a person. */
  decisions: (nationalId: string): string => `decisions-${nationalId}`,
  /** The person's erasure, as the registry ordered it (one event at most). */
  erasure: (nationalId: string): string => `erasure-${nationalId}`,
};

/** The artefact id of a consent stream id, or `undefined`. */
export function consentIdOf(streamId: string): string | undefined {
  return streamId.startsWith('consent-') ? streamId.slice('consent-'.length) : undefined;
}
