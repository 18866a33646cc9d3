import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'asyncqueue:isPublic';

/** Lets a route through the global deny-by-default guard without credentials. */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
