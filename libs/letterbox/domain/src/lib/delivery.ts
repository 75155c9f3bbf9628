import { reject } from './rejection';

/** Who a delivered letter is from, and who delivered it when that was someone else. */
export interface DeliveryOrigin {
  /** The organisation the letter is from: its recipient sees it as the sender. */
  readonly senderOrganisationId: string;
  /** The delivery agent's organisation when it delivered on behalf of another; else `null`. */
  readonly deliveredBy: string | null;
}

/**
 * Whose letter a delivery is. An agency delivers as its own organisation; a delivery agent
 * (an organisation the operator configured, the procedures service by default) may deliver on
 * behalf of another organisation, which then is the sender (its agencies see the letter as
 * theirs) while `deliveredBy` keeps who actually handed it over. Anyone else naming
 * `onBehalfOf` is refused (`NOT_A_DELIVERY_AGENT`, 403): a sender is never taken on trust from
 * a request body.
 *
 * @param callerOrganisationId - The delivering agency's organisation (its token's `org`).
 * @param onBehalfOf - The organisation the request names, if any.
 * @param deliveryAgents - The organisations allowed to deliver on behalf of others.
 */
export function deliveryOrigin(
  callerOrganisationId: string,
  onBehalfOf: string | undefined,
  deliveryAgents: ReadonlySet<string>,
): DeliveryOrigin {
  if (onBehalfOf === undefined || onBehalfOf === callerOrganisationId) {
    return { senderOrganisationId: callerOrganisationId, deliveredBy: null };
  }
  if (!deliveryAgents.has(callerOrganisationId)) {
    throw reject(
      'NOT_A_DELIVERY_AGENT',
      `organisation ${callerOrganisationId} may deliver only its own letters, not on behalf of ${onBehalfOf}`,
    );
  }
  return { senderOrganisationId: onBehalfOf, deliveredBy: callerOrganisationId };
}
