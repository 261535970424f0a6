/** The seeded agents' names and session tokens, shared by the bench servers and their clients. */
export const benchToken = (i: number) => `bench-session-token-${i}`;
export const benchAgent = (i: number) => `agent${i}`;
