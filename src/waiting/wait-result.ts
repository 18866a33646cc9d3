/** Largest result a signal or callback may hand over (the JSON as stored). */
export const MAX_WAIT_RESULT_BYTES = 1024 * 1024;
