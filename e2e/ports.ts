/** Where the suite serves the demo estate, and, one port up, an installation that started empty (COUNTERSIGN_DEMO=off). */
export const DEMO_PORT = Number(process.env.E2E_PORT ?? 3100);
export const OWN_ORGANISATION_PORT = DEMO_PORT + 1;
/** Countersign on PostgreSQL: two instances on one database, and the round-robin proxy in front of them (e2e/postgres). */
export const POSTGRES_PROXY_PORT = DEMO_PORT + 2;
export const POSTGRES_INSTANCE_PORTS = [DEMO_PORT + 3, DEMO_PORT + 4] as const;
