/** The seeded agents' names and session tokens, shared by the bench servers and their clients. */
export const benchToken = (i: number) => `bench-session-token-${i}`;
export const benchAgent = (i: number) => `agent${i}`;
/** The i-th caller's number (Israeli mobile, local form), as the directory is seeded with it. */
export const benchPhone = (i: number) => `05${String(i).padStart(8, '0')}`;
