#!/usr/bin/env node
// Runs the Okta simulator standalone from the compiled output (`npm run build` first).
// Env: OKTA_SIM_PORT (8090), OKTA_SIM_HOST, OKTA_SIM_SEED, OKTA_SIM_SIZE (demo|load|u,g,a),
// OKTA_SIM_ISSUER, OKTA_SIM_CONTROL_SECRET. See apps/okta-sim/README.md.
require('../dist/apps/okta-sim/src/main.js');
