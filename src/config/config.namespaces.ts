import { registerAs } from '@nestjs/config';
import type { AppConfiguration } from './configuration.js';

/** One registerAs() namespace per concern, all fed from one validated AppConfiguration. */
export function configNamespaces(config: AppConfiguration) {
  return (Object.keys(config) as (keyof AppConfiguration)[]).map((name) => registerAs(name, () => config[name]));
}
