// Vitest global setup for the browser tests: build ui/dist before any test file starts an API server.
// The server decides when it starts whether it has a UI to serve, so a build made later by the first
// test file's hooks would come too late for that file (on a fresh clone the first file saw no UI).
import { ensureUiBuilt } from './build.js';

export default function setup(): void {
  ensureUiBuilt();
}
