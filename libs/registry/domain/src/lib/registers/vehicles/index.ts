/** The register of vehicles: one stream per vehicle, keyed by registration number. */
export {
  DEREGISTRATION_GROUNDS,
  VEHICLE_LIMITS,
  isRegistrationNumber,
  normaliseRegistrationNumber,
} from './vehicle';
export type {
  Deregistration,
  DeregistrationGround,
  RegistrationNumber,
  VehicleOwner,
  VehicleRecord,
} from './vehicle';
export type {
  DeregisterVehicle,
  OwnerLookup,
  RegisterVehicle,
  TransferOwnership,
  VehicleCommand,
  VehicleOwnerInput,
} from './vehicle.commands';
export {
  decideVehicle,
  evolveVehicle,
  initialVehicleState,
  vehicleDecider,
} from './vehicle.decider';
export type { VehicleState } from './vehicle.decider';
export type {
  VehicleDeregistered,
  VehicleEvent,
  VehicleOwnershipTransferred,
  VehicleRegistered,
} from './vehicle.events';
