import { runResourceServiceMain } from '../../lib/resource-service-main.js';
import { loadReportsConfig } from './config.js';
import { startReportsService } from './reports-service.js';

/** Composition root: `npx tsx services/reports/main.ts`. */
runResourceServiceMain('reports', () => loadReportsConfig(), startReportsService);
