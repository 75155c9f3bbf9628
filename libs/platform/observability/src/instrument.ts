// A service's `main.ts` imports this first, before anything that loads `http` or `pg`: the
// instrumentations patch modules as they are loaded, not after. Does nothing unless tracing is
// configured (see `tracingEnabled`).
import { registerPlatformInstrumentations } from './lib/tracing/instrumentations';

registerPlatformInstrumentations();
