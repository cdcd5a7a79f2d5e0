export const SAMPLE_STORE_NAME = 'SAMPLE_STORE_NAME';
/** Where the signed-in name is kept, and whether the store lists users' sessions. */
export const SAMPLE_USERS = 'SAMPLE_USERS';
