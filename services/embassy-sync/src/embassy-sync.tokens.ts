/** Injection token of the service's `EmbassySyncConfig`. */
export const EMBASSY_SYNC_CONFIG = Symbol('EMBASSY_SYNC_CONFIG');

/** Injection token of the instance's `CheckpointKeys`. */
export const CHECKPOINT_KEYS = Symbol('CHECKPOINT_KEYS');
