// Logged-out sessions: the store lives with the rest of authentication (auth/revocations.ts); this path
// stays for the modules that import it from here.
export { KubeRevocationStore, SessionRevocations, type RevocationOptions, type RevocationStore } from './auth/revocations.js';
