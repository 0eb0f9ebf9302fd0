// Stands in for the `server-only` guard when tests import server modules under plain Node.
export {};
