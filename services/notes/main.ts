import { runResourceServiceMain } from '../../lib/resource-service-main.js';
import { loadNotesConfig } from './config.js';
import { startNotesService } from './notes-service.js';

/** Composition root: `npx tsx services/notes/main.ts`. */
runResourceServiceMain('notes', () => loadNotesConfig(), startNotesService);
