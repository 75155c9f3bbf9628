/** The procedures service's stream ids. */
export const streamIds = {
  /** One procedure case, from draft to decision letter. */
  case: (caseId: string): string => `case-${caseId}`,
  /** A person's personal space. */
  personalSpace: (nationalId: string): string => `personal-space-${nationalId}`,
  /** A person's erasure, as this service obeyed it (one PersonalDataErased). */
  erasure: (nationalId: string): string => `erasure-${nationalId}`,
};
