// The kawa release; kept in step with package.json by src/version.test.ts.
export const KAWA_VERSION = '0.1.0';
