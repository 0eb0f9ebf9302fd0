/** Where the suite serves the demo estate, and, one port up, an installation that started empty (COUNTERSIGN_DEMO=off). */
export const DEMO_PORT = Number(process.env.E2E_PORT ?? 3100);
export const OWN_ORGANISATION_PORT = DEMO_PORT + 1;
